package org.sessionstore.console;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Constants;
import org.sessionstore.api.Redaction;

/**
 * Guards {@code deploy/}: FileInstall asks it first about every file there (an ArtifactInstaller
 * with the highest ranking), and it claims — so FileInstall neither installs, updates nor, when
 * the file is removed, uninstalls anything for it — two kinds:
 * <ul>
 * <li>a jar whose {@code Bundle-SymbolicName} belongs to a bundle shipped in the distribution
 * (the registry, the memory backend, the API, Felix's own): a drop-in must not replace the core;</li>
 * <li>a file that is not a valid bundle (corrupt, truncated, no manifest, no symbolic name, not a
 * jar at all), which FileInstall would otherwise pass over in silence.</li>
 * </ul>
 * Each is logged once, naming the file and why. Any other bundle (a backend such as redis, or a
 * newer version of one) is left to FileInstall, so backends still install and upgrade through
 * {@code deploy/}. Registered (with the highest ranking) before FileInstall starts: a lower start level.
 */
final class DeployGuard implements ArtifactInstaller {

    private static final Logger LOG = Logger.getLogger("org.sessionstore.distribution");

    private final Path deploy;
    private final Set<String> shipped;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    DeployGuard(Path deploy, Set<String> shipped) {
        this.deploy = deploy.toAbsolutePath().normalize();
        this.shipped = shipped;
    }

    @Override
    public boolean canHandle(File artifact) {
        return refusal(artifact) != null;
    }

    @Override
    public void install(File artifact) {
        report(artifact);
    }

    @Override
    public void update(File artifact) {
        report(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        reported.remove(artifact.getAbsolutePath()); // it installed nothing, so its removal uninstalls nothing
    }

    private void report(File file) {
        String why = refusal(file);
        if (why != null && reported.add(file.getAbsolutePath() + "|" + file.length() + "|" + file.lastModified())) {
            LOG.log(Level.WARNING, "deploy/" + Redaction.printable(file.getName()) + " is refused: " + why
                    + "; it is not installed, and removing it changes nothing");
        }
    }

    /** Why a file in deploy/ (or one FileInstall made from it) must not be installed, or null to leave it to FileInstall. */
    String refusal(File file) {
        Path p = file.toPath().toAbsolutePath().normalize();
        boolean inDeploy = deploy.equals(p.getParent());
        String name = file.getName();
        if (inDeploy && (name.endsWith(".cfg") || name.endsWith(".config"))) {
            return null; // configuration, for ConfigAdmin
        }
        Manifest mf;
        if (file.isDirectory()) {
            if (!inDeploy) {
                return null;
            }
            Path manifest = p.resolve("META-INF/MANIFEST.MF");
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(manifest)) {
                mf = new Manifest(in);
            } catch (IOException | RuntimeException e) {
                return "it is a folder without a readable META-INF/MANIFEST.MF, not an exploded bundle";
            }
        } else {
            if (!name.toLowerCase(java.util.Locale.ROOT).endsWith(".jar")) {
                return inDeploy ? "it is not a bundle jar (deploy/ takes .jar files)" : null;
            }
            try (JarFile jar = new JarFile(file, true)) {
                mf = jar.getManifest();
            } catch (IOException | SecurityException e) {
                return inDeploy ? "it is not a valid jar (" + Redaction.printable(String.valueOf(e.getMessage())) + ")"
                        : null;
            }
        }
        String bsn = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsn == null || bsn.isBlank()) {
            return inDeploy ? "it is not an OSGi bundle (no Bundle-SymbolicName in its manifest)" : null;
        }
        String symbolicName = bsn.split(";", 2)[0].trim();
        if (shipped.contains(symbolicName)) {
            return "its symbolic name " + Redaction.printable(symbolicName) + " belongs to a bundle the distribution"
                    + " ships; the core is not replaced through deploy/ (update the distribution instead)";
        }
        String host = mf.getMainAttributes().getValue(Constants.FRAGMENT_HOST);
        if (host != null && shipped.contains(host.split(";", 2)[0].trim())) {
            return "it is a fragment of " + Redaction.printable(host.split(";", 2)[0].trim())
                    + ", a bundle the distribution ships; the core is not extended through deploy/";
        }
        return null;
    }
}
