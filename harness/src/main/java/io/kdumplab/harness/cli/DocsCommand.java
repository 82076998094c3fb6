package io.kdumplab.harness.cli;

import io.kdumplab.harness.util.AtomicFiles;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "docs", mixinStandardHelpOptions = true,
        description = "Man pages and bash completion, generated from this command line's own definition.",
        subcommands = {DocsCommand.Man.class, DocsCommand.Completion.class, DocsCommand.Install.class},
        footer = {"", "Examples:",
                "  ./harness.sh docs install                         man pages and completion for this machine",
                "  java -jar harness/target/harness.jar docs man --out man   regenerate the pages kept in man/"})
final class DocsCommand implements Runnable {
    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The date the pages carry: fixed, so that regenerating an unchanged CLI changes no byte. */
    static final String PAGE_DATE = "2026-12-05";

    static Map<String, String> pages() {
        return ManPages.all(Cli.create(), PAGE_DATE);
    }

    static String completion() {
        // registered for "harness.sh": bash looks up ./harness.sh by its last path component
        return AutoComplete.bash("harness.sh", Cli.create());
    }

    @Command(name = "man", mixinStandardHelpOptions = true, description = "Write one man page per command (harness-repro.1, ...).")
    static final class Man implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "directory to write the pages to")
        Path out;

        @Override
        public Integer call() throws Exception {
            Files.createDirectories(out);
            for (Map.Entry<String, String> p : pages().entrySet()) {
                AtomicFiles.write(out.resolve(p.getKey()), p.getValue());
            }
            System.out.println(pages().size() + " man pages in " + out + " (view one with: man -l " + out.resolve("harness-repro.1") + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "completion", mixinStandardHelpOptions = true,
            description = "Print the bash completion script (source it, or put it in /etc/bash_completion.d/).")
    static final class Completion implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(completion());
            return ExitCodes.OK;
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Install the man pages under PREFIX/share/man/man1 and the completion under /etc/bash_completion.d.")
    static final class Install implements Callable<Integer> {
        @Option(names = "--prefix", defaultValue = "/usr/local", description = "man pages go to PREFIX/share/man/man1 (default ${DEFAULT-VALUE})")
        Path prefix;
        @Option(names = "--completion-dir", defaultValue = "/etc/bash_completion.d",
                description = "where bash-completion looks (default ${DEFAULT-VALUE})")
        Path completionDir;

        @Override
        public Integer call() throws Exception {
            Path man1 = Files.createDirectories(prefix.resolve("share/man/man1"));
            for (Map.Entry<String, String> p : pages().entrySet()) {
                AtomicFiles.write(man1.resolve(p.getKey()), p.getValue());
            }
            Files.createDirectories(completionDir);
            AtomicFiles.write(completionDir.resolve("harness.sh"), completion());
            System.out.println(pages().size() + " man pages in " + man1 + " (man harness-repro); completion in "
                    + completionDir.resolve("harness.sh") + " (new shells; or: source it)");
            return ExitCodes.OK;
        }
    }
}
