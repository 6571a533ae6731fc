package dev.moldau.javatests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What a check found, as one JSON object per line on stdout, so that the pytest side asserts on
 * exact values ({"check": name, "facts": {...}} or {"check": name, "error": "..."}). The Java
 * side only gathers facts; it decides nothing.
 */
final class Facts {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, false);

  private Facts() {}

  /** Runs each named check in turn; a failing check reports its error and the rest still run. */
  static void runAll(List<String> names, Map<String, Callable<Map<String, Object>>> checks) {
    for (String name : names) {
      Callable<Map<String, Object>> check = checks.get(name);
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("check", name);
      long start = System.nanoTime();
      if (check == null) {
        line.put("error", "no such check; known: " + checks.keySet());
      } else {
        try {
          line.put("facts", check.call());
        } catch (Throwable e) {
          StringWriter trace = new StringWriter();
          e.printStackTrace(new PrintWriter(trace));
          line.put("error", trace.toString());
        }
      }
      line.put("seconds", (System.nanoTime() - start) / 1e9);
      print(line);
    }
  }

  static synchronized void print(Map<String, Object> line) {
    try {
      System.out.println(JSON.writeValueAsString(line));
      System.out.flush();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  static Map<String, Object> map(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
    return m;
  }
}
