// Renders templates with Apache Velocity 1.7 (Debian's velocity package), for comparison with
// the local runtime's patched velocityjs (test_velocity_semantics.py). $ctx.args is
// {"a": "A", "n": null}.
// stdin: templates, each followed by NUL; stdout: their outputs, each followed by NUL.

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;

public class VtlRender {
  public static void main(String[] args) throws Exception {
    VelocityEngine velocity = new VelocityEngine();
    velocity.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
    velocity.init();
    String[] templates = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).split("\0");
    StringBuilder out = new StringBuilder();
    for (String template : templates) {
      Map<String, Object> ctx = new HashMap<>();
      Map<String, Object> arguments = new HashMap<>();
      arguments.put("a", "A");
      arguments.put("n", null);
      ctx.put("args", arguments);
      VelocityContext context = new VelocityContext();
      context.put("ctx", ctx);
      StringWriter w = new StringWriter();
      velocity.evaluate(context, w, "case", template);
      out.append(w).append('\0');
    }
    System.out.print(out);
  }
}
