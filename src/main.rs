use clap::{Parser, Subcommand, ValueEnum};
use insyn::diagnostic::{self, Format};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

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
    let cli = Cli::parse();
    let today = insyn::load::today();
    match cli.command {
        Command::Check { root, format } => {
            let loaded = insyn::load::load(&root, today);
            let format = match format {
                OutputFormat::Human => Format::Human,
                OutputFormat::Github => Format::Github,
                OutputFormat::Json => Format::Json,
            };
            let failed = loaded.diagnostics.iter().any(|d| d.is_error());
            if format == Format::Human && loaded.diagnostics.is_empty() {
                let n = loaded.register.as_ref().map_or(0, |r| r.systems.len());
                print(&format!("Inga fel: {n} system kontrollerade.\n"), true);
            } else {
                print(&diagnostic::render(&loaded.diagnostics, format), true);
            }
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Build { root, output } => {
            let output = output.unwrap_or_else(|| root.join("public"));
            let started = std::time::Instant::now();
            match insyn::site::build(&root, &output, today) {
                Ok(built) => {
                    if !built.warnings.is_empty() {
                        print(&diagnostic::render(&built.warnings, Format::Human), false);
                    }
                    print(
                        &format!(
                            "Klart: {} sidor, {} filer i {} ({} ms).\n",
                            built.pages,
                            built.files,
                            output.display(),
                            started.elapsed().as_millis()
                        ),
                        false,
                    );
                    ExitCode::SUCCESS
                }
                Err(mut diags) => {
                    diagnostic::sort(&mut diags);
                    print(&diagnostic::render(&diags, Format::Human), false);
                    print(
                        &format!(
                            "Inget publicerades: {} är som före bygget.\n",
                            output.display()
                        ),
                        false,
                    );
                    ExitCode::FAILURE
                }
            }
        }
    }
}
