package dev.ipc4j.bench.demo;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows how far the demo is, on stderr: a bar redrawn in place when stderr is a terminal (the launcher tells, with
 * {@code -Dipc4j.stderr.tty=true}), otherwise one plain line per step so logs stay readable. Work is weighted by bytes
 * moved, because one copied 1 GiB round trip costs as much as thousands of small ones.
 */
final class Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream err;
    private final boolean bar;
    private final double total;
    private double done;
    private String step = "";
    private int stepDone;
    private int stepTotal;
    private long lastDraw;

    Progress(PrintStream err, boolean bar, double totalWork) {
        this.err = err;
        this.bar = bar;
        this.total = Math.max(1, totalWork);
    }

    /** Whether this JVM's stderr is a terminal, as the launcher found out ({@code [ -t 2 ]}). */
    static boolean stderrIsTerminal() {
        return Boolean.getBoolean("ipc4j.stderr.tty");
    }

    /**
     * Work of {@code roundTrips} round trips of {@code bytes} in {@code mode}, in bytes-copied equivalents: a copied
     * round trip moves every byte (several times, through the kernel); a zero-copy one costs about what copying
     * 256 KiB does, whatever the size.
     */
    static double work(long bytes, DemoMode mode, int roundTrips) {
        return (double) roundTrips * (mode == DemoMode.COPY ? 4.0 * bytes : 256 * 1024);
    }

    /** A new step of {@code rounds} units, e.g. round trips; {@code detail} is printed as a line when there is no bar. */
    void step(String name, int rounds, String detail) {
        step = name;
        stepDone = 0;
        stepTotal = rounds;
        if (bar) {
            draw(true);
        } else {
            err.println("demo: " + name + (detail.isEmpty() ? "" : ": " + detail));
            err.flush();
        }
    }

    /** One unit of the current step done, worth {@code work}. */
    void advance(double work) {
        done += work;
        stepDone++;
        if (bar) {
            draw(false);
        }
    }

    /** Clears the bar so the results print on a clean line. */
    void finish() {
        if (bar) {
            err.print("\r" + " ".repeat(100) + "\r");
            err.flush();
        }
    }

    private void draw(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double fraction = Math.min(1, done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        String line = String.format(Locale.ROOT, "\r[%s%s] %3d%%  %s %d/%d", "#".repeat(filled), "-".repeat(WIDTH - filled),
                Math.round(fraction * 100), step, stepDone, stepTotal);
        err.print(line + " ".repeat(Math.max(0, 100 - line.length())));
        err.flush();
    }
}
