package io.tinykv.server.playground;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;

/**
 * Stands in for {@code tinykv} in supervisor tests, run through {@link ChildMain} like the real one.
 * Modes: {@code exit CODE}; {@code serve PORT} (says ready on PORT, then runs until signalled);
 * {@code ignore-term PORT} (the same, but a shutdown hook that never ends keeps SIGTERM from stopping it).
 */
public final class StandInChild {
    private StandInChild() {}

    public static void main(String[] args) {
        ChildMain.run(args, StandInChild::body);
    }

    private static void body(String[] args) {
        switch (args[0]) {
            case "exit" -> System.exit(Integer.parseInt(args[1]));
            case "serve" -> {
                sayReady(Integer.parseInt(args[1]));
                blockForever();
            }
            case "ignore-term" -> {
                Runtime.getRuntime().addShutdownHook(new Thread(StandInChild::blockForever));
                sayReady(Integer.parseInt(args[1]));
                blockForever();
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /**
     * Logs "stand-in ready", then signals on {@code port}: in this order, so that a test which stops
     * the child the moment it hears the signal finds the line in the child's log (signalled first,
     * a loaded machine once let the stop overtake the line).
     */
    private static void sayReady(int port) {
        System.out.println("stand-in ready");
        System.out.flush();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                OutputStream out = socket.getOutputStream()) {
            out.write(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void blockForever() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
