package org.sessionstore.itests;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Inline Redis commands over a socket, from inside the framework, where no client library is wired. */
final class Resp {

    private Resp() {
    }

    static String command(int port, String lines) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write((lines + "\r\nQUIT\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Connected clients other than the one asking. */
    static int clients(int port) throws IOException {
        int n = 0;
        for (String line : command(port, "CLIENT LIST").split("\r?\n")) {
            if (line.contains("addr=") && !line.contains("cmd=client")) {
                n++;
            }
        }
        return n;
    }
}
