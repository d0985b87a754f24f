// MQAdminBatch runs many mqadmin subcommands in one JVM: a JVM per subcommand waits out Netty's
// graceful shutdown (seconds) at every exit. It reads one command line per stdin line, the
// arguments separated by tabs, runs it through MQAdminStartup.main0 as mqadmin would with
// System.out and System.err captured, and writes what it printed followed by a line holding
// only NUL and "END". It exits at the end of its input.
//
// A line whose first field is "@interruptAfterLines=N" runs the rest in a thread of its own and
// interrupts that thread once the command has printed N lines: for subcommands that never
// return by themselves (clusterRT sends a round, then sleeps and sends again, forever).
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.apache.rocketmq.tools.command.MQAdminStartup;

public final class MQAdminBatch {
    private static final String INTERRUPT = "@interruptAfterLines=";

    // How long an interrupted command may take to print its lines before it is interrupted
    // anyway, so that a command that fails early cannot hang the matrix.
    private static final long INTERRUPT_WAIT_MILLIS = 120_000;

    public static void main(String[] ignored) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        // main0 appends a fresh set of subcommands to this static list at every call and runs the
        // first that matches, so without clearing it every line would run the first line's
        // instances again, with the fields (a started consumer, counts) that line left in them;
        // mqadmin runs each subcommand in a new JVM.
        Field commands = MQAdminStartup.class.getDeclaredField("subCommandList");
        commands.setAccessible(true);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            ((List<?>) commands.get(null)).clear();
            String[] args = line.split("\t");
            int interruptAfter = 0;
            if (args.length > 0 && args[0].startsWith(INTERRUPT)) {
                interruptAfter = Integer.parseInt(args[0].substring(INTERRUPT.length()));
                args = Arrays.copyOfRange(args, 1, args.length);
            }
            final String[] command = args;
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream capture = new PrintStream(buf, true, "UTF-8");
            System.setOut(capture);
            System.setErr(capture);
            Runnable run = () -> {
                try {
                    MQAdminStartup.main0(command, null);
                } catch (Throwable t) {
                    t.printStackTrace(capture);
                }
            };
            try {
                if (interruptAfter == 0) {
                    run.run();
                } else {
                    Thread worker = new Thread(run, "mqadmin");
                    worker.start();
                    long deadline = System.currentTimeMillis() + INTERRUPT_WAIT_MILLIS;
                    while (worker.isAlive() && lines(buf) < interruptAfter && System.currentTimeMillis() < deadline) {
                        worker.join(20);
                    }
                    worker.interrupt();
                    worker.join();
                }
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

    private static int lines(ByteArrayOutputStream buf) {
        int n = 0;
        for (byte b : buf.toByteArray()) {
            if (b == '\n') {
                n++;
            }
        }
        return n;
    }
}
