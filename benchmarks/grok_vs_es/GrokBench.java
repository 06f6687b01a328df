// Elasticsearch's grok library (org.elasticsearch.grok) driven over stdin by benchmarks/grok_vs_es.py:
// one thread, the lines of a file matched with Grok.captures, as the ingest grok processor does.
//
//   LOAD <ecs 0|1> <pattern> <lines file>  -> OK <id> | ERR <reason>
//   RUN <id> <milliseconds>                -> RATE <lines per second>   (repeats the lines until the time is up)
//   CAP <id> <n>                           -> n lines "J <captures as JSON, or null>", then END
//   QUIT
// Fields are separated by tabs; nothing here reads a tab inside a pattern.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.elasticsearch.grok.Grok;
import org.elasticsearch.grok.GrokBuiltinPatterns;
import org.elasticsearch.grok.MatcherWatchdog;

public final class GrokBench {
    private static final List<Grok> GROKS = new ArrayList<>();
    private static final List<String[]> LINES = new ArrayList<>();
    static volatile long sink; // keeps the JIT from dropping the work

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t", -1);
            try {
                switch (parts[0]) {
                    case "LOAD" -> out.println("OK\t" + load(parts[1].equals("1"), parts[2], Path.of(parts[3])));
                    case "RUN" -> out.println("RATE\t" + run(Integer.parseInt(parts[1]), Long.parseLong(parts[2])));
                    case "CAP" -> {
                        int id = Integer.parseInt(parts[1]);
                        String[] lines = LINES.get(id);
                        int n = Math.min(Integer.parseInt(parts[2]), lines.length);
                        for (int i = 0; i < n; i++) {
                            Map<String, Object> found = GROKS.get(id).captures(lines[i]);
                            out.println("J\t" + (found == null ? "null" : json(new TreeMap<>(found))));
                        }
                        out.println("END");
                    }
                    case "QUIT" -> { return; }
                    default -> out.println("ERR\tunknown command " + parts[0]);
                }
            } catch (Exception e) {
                out.println("ERR\t" + String.valueOf(e).replace('\n', ' ').replace('\t', ' '));
            }
        }
    }

    private static int load(boolean ecs, String pattern, Path file) throws Exception {
        Grok grok = new Grok(GrokBuiltinPatterns.get(ecs), pattern, MatcherWatchdog.noop(), message -> {});
        GROKS.add(grok);
        LINES.add(Files.readAllLines(file, StandardCharsets.UTF_8).toArray(new String[0]));
        return GROKS.size() - 1;
    }

    private static long run(int id, long millis) {
        Grok grok = GROKS.get(id);
        String[] lines = LINES.get(id);
        long done = 0, hits = 0;
        long start = System.nanoTime(), end = start + millis * 1_000_000L, now;
        do {
            for (String text : lines) {
                if (grok.captures(text) != null) hits++;
            }
            done += lines.length;
            now = System.nanoTime();
        } while (now < end);
        sink += hits;
        return done * 1_000_000_000L / Math.max(1, now - start);
    }

    private static String json(Object value) {
        if (value == null) return "null";
        if (value instanceof String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') b.append('\\').append(c);
                else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                else b.append(c);
            }
            return b.append('"').toString();
        }
        if (value instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (b.length() > 1) b.append(',');
                b.append(json(String.valueOf(e.getKey()))).append(':').append(json(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (value instanceof List<?> l) {
            StringBuilder b = new StringBuilder("[");
            for (Object o : l) {
                if (b.length() > 1) b.append(',');
                b.append(json(o));
            }
            return b.append(']').toString();
        }
        return String.valueOf(value); // numbers and booleans
    }
}
