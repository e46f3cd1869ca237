use clap::{Parser, Subcommand, ValueEnum};
use insyn::diagnostic::{self, Format};
use insyn::model::Language;
use insyn::msg;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// insyn – bygger kommunens AI-register: en YAML-fil per AI-system blir en
/// tillgänglig webbplats med öppna data.
#[derive(Parser)]
#[command(name = "insyn", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// Läsbar text med utdrag ur filen
    Human,
    /// GitHub-annoteringar (::error file=…,line=…,col=…::…)
    Github,
    /// JSON för andra verktyg
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Kontrollerar registret och bygger webbplatsen i public/ (eller --output).
    Build {
        /// Webbplatsens mapp, den som innehåller register/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Vart webbplatsen skrivs (standard: ROOT/public)
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Bygger, serverar på 127.0.0.1 och bygger om när en fil sparas; webbläsaren laddas om.
    Serve {
        /// Webbplatsens mapp, den som innehåller register/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Porten att lyssna på (0 = välj en ledig)
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Adressen att lyssna på; bara den här datorn som standard
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
    },
    /// Skapar en ny post i register/systems/ från en mall med hjälptext.
    New {
        /// Systemets namn, till exempel "Chattbot på webbplatsen"
        name: String,
        /// Webbplatsens mapp, den som innehåller register/
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Skapar en ny webbplats med ett exempel som går att bygga direkt.
    Init {
        /// Mappen att skapa webbplatsen i
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Skriver ut JSON-schemat för en post (för automatisk komplettering i editorn).
    Schema,
    /// Kontrollerar registret utan att bygga något.
    Check {
        /// Webbplatsens mapp, den som innehåller register/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Hur resultatet skrivs ut
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
    },
}

fn print(text: &str, to_stdout: bool) {
    // A closed pipe (`insyn check | head`) is not worth a panic.
    let _ = if to_stdout {
        std::io::stdout().write_all(text.as_bytes())
    } else {
        std::io::stderr().write_all(text.as_bytes())
    };
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    // Run inside the site (e.g. in register/systems/): use the site above.
    if let Command::Serve { root, .. }
    | Command::New { root, .. }
    | Command::Check { root, .. }
    | Command::Build { root, .. } = &mut cli.command
    {
        *root = insyn::locate::site_root(root);
    }
    let fail = |d: insyn::diagnostic::Diagnostic| {
        print(
            &diagnostic::render(&[d], Format::Human, Language::Sv),
            false,
        );
        ExitCode::FAILURE
    };
    // Messages about INSYN_TODAY in the site's language, where there is a site.
    let lang = match &cli.command {
        Command::Build { root, .. }
        | Command::Serve { root, .. }
        | Command::New { root, .. }
        | Command::Check { root, .. } => insyn::load::site_language(root),
        _ => Language::Sv,
    };
    let today = match insyn::load::today_checked(lang) {
        Ok(today) => today,
        Err(d) => {
            print(&diagnostic::render(&[d], Format::Human, lang), false);
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Serve { root, port, host } => match insyn::serve::run(&root, host, port, today) {
            Ok(()) => ExitCode::SUCCESS,
            Err(d) => fail(d),
        },
        Command::New { name, root } => match insyn::scaffold::new_record(&root, &name, today) {
            Ok(path) => {
                print(
                    &format!(
                        "Skapade {}.
Fyll i fälten och kör `insyn check` för att se vad som saknas.
",
                        path.display()
                    ),
                    true,
                );
                ExitCode::SUCCESS
            }
            Err(d) => fail(d),
        },
        Command::Init { dir } => match insyn::scaffold::init(&dir, today) {
            Ok(files) => {
                let mut text = String::from(
                    "Skapade en ny webbplats:
",
                );
                for f in files {
                    text.push_str(&format!(
                        "  {}
",
                        f.display()
                    ));
                }
                text.push_str(&format!(
                    "
Nästa steg:
  1. Ändra register/site.yaml till era uppgifter.
  2. Lägg till system med `insyn new \"Systemets namn\" --root {0}`.
  3. Se webbplatsen med `insyn serve --root {0}`.
",
                    dir.display()
                ));
                print(&text, true);
                ExitCode::SUCCESS
            }
            Err(d) => fail(d),
        },
        Command::Schema => {
            let schema = insyn::schema::record_schema();
            print(
                &(serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"),
                true,
            );
            ExitCode::SUCCESS
        }
        Command::Check { root, format } => {
            let mut loaded = insyn::load::check(&root, today);
            if let Some(register) = &loaded.register {
                let mut found = insyn::versions::check(&root, &register.site);
                loaded.diagnostics.append(&mut found);
            }
            let format = match format {
                OutputFormat::Human => Format::Human,
                OutputFormat::Github => Format::Github,
                OutputFormat::Json => Format::Json,
            };
            let failed = loaded.diagnostics.iter().any(|d| d.is_error());
            if format == Format::Human && loaded.diagnostics.is_empty() {
                let n = loaded.checked;
                print(
                    &msg!(
                        loaded.lang,
                        "Inga fel: {n} system kontrollerade.\n",
                        "No errors: {n} systems checked.\n"
                    ),
                    true,
                );
            } else {
                print(
                    &diagnostic::render(&loaded.diagnostics, format, loaded.lang),
                    true,
                );
            }
            insyn::timing::step("report");
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Build { root, output } => {
            let lang = insyn::load::site_language(&root);
            let output = output.unwrap_or_else(|| root.join("public"));
            let started = std::time::Instant::now();
            match insyn::site::build(&root, &output, today) {
                Ok(built) => {
                    if !built.warnings.is_empty() {
                        print(
                            &diagnostic::render(&built.warnings, Format::Human, lang),
                            false,
                        );
                    }
                    let (pages, files, ms) =
                        (built.pages, built.files, started.elapsed().as_millis());
                    let out = output.display();
                    print(
                        &msg!(
                            lang,
                            "Klart: {pages} sidor, {files} filer i {out} ({ms} ms).\n",
                            "Done: {pages} pages, {files} files in {out} ({ms} ms).\n"
                        ),
                        false,
                    );
                    ExitCode::SUCCESS
                }
                Err(mut diags) => {
                    diagnostic::sort(&mut diags);
                    print(&diagnostic::render(&diags, Format::Human, lang), false);
                    let out = output.display();
                    print(
                        &msg!(
                            lang,
                            "Inget publicerades: {out} är som före bygget.\n",
                            "Nothing was published: {out} is as it was before the build.\n"
                        ),
                        false,
                    );
                    ExitCode::FAILURE
                }
            }
        }
    }
}
