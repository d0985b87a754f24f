// MQAdminBatch runs many mqadmin subcommands in one JVM: a JVM per subcommand waits out Netty's
// graceful shutdown (seconds) at every exit. It reads one command line per stdin line, the
// arguments separated by tabs, runs it through MQAdminStartup.main0 as mqadmin would with
// System.out and System.err captured, and writes what it printed followed by a line holding
// only NUL and "END". It exits at the end of its input.
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.rocketmq.tools.command.MQAdminStartup;

public final class MQAdminBatch {
    public static void main(String[] ignored) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream capture = new PrintStream(buf, true, "UTF-8");
            System.setOut(capture);
            System.setErr(capture);
            try {
                MQAdminStartup.main0(line.split("\t"), null);
            } catch (Throwable t) {
                t.printStackTrace(capture);
            } finally {
                capture.flush();
                System.setOut(out);
                System.setErr(err);
            }
            out.write(buf.toByteArray());
            out.print("\n\u0000END\n");
            out.flush();
        }
        System.exit(0);
    }
}
