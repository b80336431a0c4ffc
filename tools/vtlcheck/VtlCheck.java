// Parses VTL templates with Apache Velocity 1.7, the engine AppSync's resolver guides point to
// (they link the Velocity 1.7 user guide, and AppSync's parse errors carry 1.7's messages).
// Only parsing: nothing is rendered, so no context or $util is needed.
//
//   java -cp <velocity-1.7.jar:commons-collections3.jar:commons-lang.jar> VtlCheck.java DIR
//       every regular file below DIR is one template, named by its path relative to DIR
//   java -cp ... VtlCheck.java -      (or no argument)
//       stdin holds records "name NUL template NUL" (NUL never occurs in a template we serve)
//
// Prints "name:line:col: message" per template that does not parse, then a summary on stderr.
// Exit 0: all parsed; 1: some did not; 2: bad usage or unreadable input.

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.velocity.runtime.RuntimeInstance;
import org.apache.velocity.runtime.parser.ParseException;
import org.apache.velocity.runtime.parser.TokenMgrError;

public class VtlCheck {
  public static void main(String[] args) throws Exception {
    List<Map.Entry<String, String>> templates;
    try {
      if (args.length > 1) {
        System.err.println("usage: VtlCheck [DIR | -]");
        System.exit(2);
      }
      templates = args.length == 0 || args[0].equals("-") ? fromStdin() : fromDir(Path.of(args[0]));
    } catch (IOException e) {
      System.err.println("vtlcheck: " + e.getMessage());
      System.exit(2);
      return;
    }
    RuntimeInstance velocity = new RuntimeInstance();
    // Velocity's own log would go to velocity.log in the working directory: keep it silent.
    velocity.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
    velocity.init();
    int failed = 0;
    for (Map.Entry<String, String> t : templates) {
      String error = parseError(velocity, t.getKey(), t.getValue());
      if (error != null) {
        failed++;
        System.out.println(error);
      }
    }
    System.err.printf("vtlcheck: %d templates parsed by Velocity 1.7, %d failed%n", templates.size(), failed);
    System.exit(failed == 0 ? 0 : 1);
  }

  // "name:line:col: message", or null when the template parses. Velocity wraps the lexer's
  // TokenMgrError in a ParseException; both messages carry "line L, column C".
  static String parseError(RuntimeInstance velocity, String name, String text) {
    try {
      velocity.parse(new StringReader(text), name);
      return null;
    } catch (ParseException | TokenMgrError | RuntimeException e) {
      String message = oneLine(String.valueOf(e.getMessage()))
          .replace("Lexical error: org.apache.velocity.runtime.parser.TokenMgrError: ", "")
          .replace(" at " + name + "[", " [");
      Matcher at = AT.matcher(message);
      return String.format("%s:%s: %s", name, at.find() ? at.group(1) + ":" + at.group(2) : "0:0", message);
    }
  }

  static final Pattern AT = Pattern.compile("line (\\d+), column (\\d+)");

  static String oneLine(String message) {
    return message.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  static List<Map.Entry<String, String>> fromDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) throw new IOException(dir + " is not a directory");
    List<Map.Entry<String, String>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        out.add(Map.entry(dir.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  static List<Map.Entry<String, String>> fromStdin() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.in.transferTo(buf);
    String[] parts = buf.toString(StandardCharsets.UTF_8).split("\0", -1);
    // Records end with NUL, so the text splits into name, template, ..., "" (after the last NUL).
    if (parts.length % 2 != 1 || !parts[parts.length - 1].isEmpty()) {
      throw new IOException("stdin: expected records \"name NUL template NUL\"");
    }
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (int i = 0; i + 1 < parts.length; i += 2) out.add(Map.entry(parts[i], parts[i + 1]));
    return out;
  }
}
