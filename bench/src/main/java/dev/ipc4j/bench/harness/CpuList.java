package dev.ipc4j.bench.harness;

import java.util.ArrayList;
import java.util.List;

/** The kernel's CPU list format ({@code 0-3,6,8-9}) as used by /proc/PID/status and taskset. */
public final class CpuList {
    private CpuList() {}

    public static List<Integer> parse(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            try {
                int dash = part.indexOf('-');
                if (dash < 0) {
                    cpus.add(Integer.parseInt(part));
                } else {
                    int from = Integer.parseInt(part.substring(0, dash));
                    int to = Integer.parseInt(part.substring(dash + 1));
                    for (int cpu = from; cpu <= to; cpu++) {
                        cpus.add(cpu);
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a CPU list: '" + list + "'", e);
            }
        }
        return cpus;
    }
}
