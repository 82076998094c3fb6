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
        subcommands = {DocsCommand.Man.class, DocsCommand.Completion.class, DocsCommand.Install.class, DocsCommand.Deploy.class},
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
        // never a machine's configuration file: the pages show the built-in defaults wherever they are made
        return ManPages.all(Cli.create(null, Map.of()), PAGE_DATE);
    }

    static String completion() {
        // registered for "harness.sh": bash looks up ./harness.sh by its last path component
        return AutoComplete.bash("harness.sh", Cli.create(null, Map.of()));
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

    /** The files a lab machine needs to run orchestrators and the web view as services, carried in the jar. */
    static final java.util.List<String> DEPLOY_FILES = java.util.List.of("kdump-harness-worker@.service",
            "kdump-harness-serve.service", "harness.yaml");

    @Command(name = "deploy", mixinStandardHelpOptions = true,
            description = {"Write the systemd units (a nightly worker per lab, the web view) and an example "
                    + "/etc/kdump-harness/harness.yaml: what a lab machine needs to run the harness as services, from the "
                    + "jar alone (no checkout)."},
            footer = {"", "Example:", "  java -jar harness.jar docs deploy --out /tmp/deploy && sudo cp /tmp/deploy/*.service "
                    + "/etc/systemd/system/"})
    static final class Deploy implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "directory to write them to")
        Path out;

        @Override
        public Integer call() throws Exception {
            Files.createDirectories(out);
            for (String f : DEPLOY_FILES) {
                try (var in = DocsCommand.class.getResourceAsStream("/deploy/" + f)) {
                    AtomicFiles.write(out.resolve(f), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            System.out.println(DEPLOY_FILES.size() + " files in " + out + ": " + String.join(", ", DEPLOY_FILES));
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
