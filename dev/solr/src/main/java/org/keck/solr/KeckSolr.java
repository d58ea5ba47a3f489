package org.keck.solr;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.solr.core.CoreContainer;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Development launcher: runs a real standalone (non-cloud) Apache Solr 9 node inside Jetty via
 * {@link JettySolrRunner}, until the JVM receives SIGTERM/SIGINT.
 *
 * <p>Usage: {@code KeckSolr [--home DIR] [--host HOST] [--port PORT] [--pid-file FILE]}. Defaults
 * come from the environment variables {@code KECK_SOLR_HOME}, {@code KECK_SOLR_HOST}, {@code
 * KECK_SOLR_PORT} and {@code KECK_SOLR_PIDFILE}, then {@code ./solr-home}, {@code 127.0.0.1},
 * {@code 8983} and no pid file. The Solr home must contain a
 * {@code solr.xml}; cores are found by {@code core.properties} discovery or created with the
 * CoreAdmin API.
 */
public final class KeckSolr {

  private KeckSolr() {}

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return (v == null || v.isBlank()) ? dflt : v;
  }

  private static void usage(String msg) {
    System.err.println("KeckSolr: " + msg);
    System.err.println("usage: KeckSolr [--home DIR] [--host HOST] [--port PORT] [--pid-file FILE]");
    System.exit(2);
  }

  public static void main(String[] args) throws Exception {
    String home = env("KECK_SOLR_HOME", "solr-home");
    String host = env("KECK_SOLR_HOST", "127.0.0.1");
    String portStr = env("KECK_SOLR_PORT", "8983");
    String pidFile = env("KECK_SOLR_PIDFILE", null);

    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length && a.startsWith("--")) {
        usage("missing value for " + a);
      }
      switch (a) {
        case "--home":
          home = args[++i];
          break;
        case "--host":
          host = args[++i];
          break;
        case "--port":
          portStr = args[++i];
          break;
        case "--pid-file":
          pidFile = args[++i];
          break;
        default:
          usage("unknown argument " + a);
      }
    }

    int port = 0;
    try {
      port = Integer.parseInt(portStr);
    } catch (NumberFormatException e) {
      usage("port is not a number: " + portStr);
    }

    Path homeDir = Path.of(home).toAbsolutePath().normalize();
    if (!Files.isRegularFile(homeDir.resolve("solr.xml"))) {
      System.err.println("KeckSolr: no solr.xml in Solr home " + homeDir);
      System.exit(2);
    }

    // Standalone mode: make sure nothing inherited switches on SolrCloud.
    System.clearProperty("zkHost");
    System.clearProperty("zkRun");
    System.setProperty("solr.solr.home", homeDir.toString());
    System.setProperty("jetty.port", Integer.toString(port));
    System.setProperty("host", host);

    JettyConfig config =
        JettyConfig.builder()
            .setPort(port)
            .setContext("/solr")
            .stopAtShutdown(false) // we stop it ourselves from our shutdown hook
            .useOnlyHttp1(true)
            .build();

    Properties nodeProps = new Properties();
    JettySolrRunner solr = new JettySolrRunner(homeDir.toString(), nodeProps, config);
    bindHost(solr, host);

    final Path pidPath = pidFile == null ? null : Path.of(pidFile).toAbsolutePath();
    if (pidPath != null) {
      Files.writeString(pidPath, ProcessHandle.current().pid() + "\n");
    }

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("KeckSolr: shutting down Solr");
                  try {
                    solr.stop();
                  } catch (Exception e) {
                    System.err.println("KeckSolr: error while stopping Solr: " + e);
                  }
                  if (pidPath != null) {
                    try {
                      Files.deleteIfExists(pidPath);
                    } catch (Exception e) {
                      // best effort
                    }
                  }
                  stopped.countDown();
                },
                "keck-solr-shutdown"));

    try {
      solr.start();
    } catch (Exception e) {
      System.err.println("KeckSolr: failed to start Jetty/Solr on " + host + ":" + port + ": " + e);
      e.printStackTrace();
      Runtime.getRuntime().halt(1);
    }

    CoreContainer cores = solr.getCoreContainer();
    if (!solr.isRunning() || cores == null) {
      System.err.println("KeckSolr: Solr did not initialise (see solr.log)");
      Runtime.getRuntime().halt(1);
    }

    System.out.printf(
        "KeckSolr: Solr %s running at %s (home %s, cores %s)%n",
        org.apache.solr.client.api.util.SolrVersion.LATEST,
        solr.getBaseUrl(),
        homeDir,
        cores.getAllCoreNames());
    System.out.flush();

    stopped.await();
  }

  /**
   * JettySolrRunner always binds its connector to 127.0.0.1. To honour another --host we adjust
   * the (not yet started) connector through reflection; for 127.0.0.1 nothing is changed.
   */
  private static void bindHost(JettySolrRunner solr, String host) throws Exception {
    if ("127.0.0.1".equals(host)) {
      return;
    }
    Field f = JettySolrRunner.class.getDeclaredField("server");
    f.setAccessible(true);
    Server server = (Server) f.get(solr);
    for (Connector c : server.getConnectors()) {
      if (c instanceof ServerConnector) {
        ((ServerConnector) c).setHost(host);
      }
    }
  }
}
