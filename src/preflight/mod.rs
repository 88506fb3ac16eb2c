//! `clinical-images check`: a preflight of a new or changed ALEX configuration, run by the
//! operator before a GP finds out. It reads the settings and environment exactly as the server
//! does, fetches a token, reads `Location` for every allow-listed facility, and optionally looks
//! up an NHI, decodes a launch pair and (UAT only) commits a test image to a test patient. It
//! prints a checklist with a plain next step for every failure, and exits 0 when everything
//! passed, 1 when something failed, 2 on bad usage.
//!
//! It prints no secret, and no patient name or NHI beyond the NHIs the operator typed.

mod checks;
#[cfg(test)]
mod tests;

use std::process::ExitCode;

pub use checks::run;

use crate::{config::Settings, nhi::Nhi};

/// What the operator asked for on the command line (after `check`).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--nhi ZZZ0016`: look this patient up.
    pub nhi: Option<Nhi>,
    /// `--launch-url 'https://…/launch?context=…&signature=…'`: decode this launch pair.
    pub launch_url: Option<String>,
    /// `--facility F2N060-E`: the practice for the NHI look-up and the test image (default:
    /// the first allow-listed facility).
    pub facility: Option<String>,
    /// `--post-test-media --patient-nhi ZZZ0016`: commit a generated test image (UAT only).
    pub post_test_media: Option<Nhi>,
}

/// A command line the check cannot run with; the text says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub const USAGE: &str = "\
usage: clinical-images check [--nhi NHI] [--launch-url URL] [--facility HPI-FACILITY-ID]
                             [--post-test-media --patient-nhi TEST-NHI]

Checks the ALEX configuration this server would start with (Leptos.toml or $APP_CONFIG, and the
ALEX_* environment variables): token, Location of every facility in ALEX_FACILITY_ALLOWLIST, and
optionally an NHI look-up, a launch pair from Medtech Evolution, and (Medtech UAT only) a test
image committed to a test patient (an NHI starting with Z).
Exit status: 0 all checks passed, 1 a check failed, 2 bad usage.";

impl Options {
    /// Parses the arguments after `check`. `--help` is a usage error carrying the usage text.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, UsageError> {
        let mut o = Options::default();
        let mut test_media = false;
        let mut patient_nhi = None;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| UsageError(format!("{name} needs a value\n\n{USAGE}")))
            };
            match flag.as_str() {
                "--nhi" => o.nhi = Some(nhi(&value("--nhi")?)?),
                "--launch-url" => o.launch_url = Some(value("--launch-url")?),
                "--facility" => o.facility = Some(value("--facility")?.trim().to_string()),
                "--patient-nhi" => patient_nhi = Some(nhi(&value("--patient-nhi")?)?),
                "--post-test-media" if inline.is_none() => test_media = true,
                "-h" | "--help" => return Err(UsageError(USAGE.into())),
                _ => return Err(UsageError(format!("unknown argument {arg:?}\n\n{USAGE}"))),
            }
        }
        match (test_media, patient_nhi) {
            (true, Some(p)) if !p.to_string().starts_with('Z') => Err(UsageError(format!(
                "--patient-nhi {p} is not a test NHI: the test image goes only to a test patient \
                 (an NHI starting with Z, e.g. ZZZ0016)"
            ))),
            (true, Some(p)) => {
                o.post_test_media = Some(p);
                Ok(o)
            }
            (true, None) => Err(UsageError(
                "--post-test-media needs --patient-nhi TEST-NHI (the test patient who receives the image)".into(),
            )),
            (false, Some(_)) => Err(UsageError("--patient-nhi is only used with --post-test-media".into())),
            (false, None) => Ok(o),
        }
    }
}

fn nhi(text: &str) -> Result<Nhi, UsageError> {
    Nhi::parse(text).map_err(|e| UsageError(format!("{text:?} is not a valid NHI: {e}")))
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass(String),
    /// What went wrong, and the plain next step.
    Fail {
        problem: String,
        next: String,
    },
}

/// The checklist: a heading naming the configuration, then one step per check.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub heading: String,
    pub steps: Vec<Step>,
}

impl Report {
    pub(crate) fn pass(&mut self, title: impl Into<String>, detail: impl Into<String>) {
        self.steps.push(Step {
            title: title.into(),
            outcome: Outcome::Pass(detail.into()),
        });
    }

    pub(crate) fn fail(&mut self, title: impl Into<String>, problem: impl Into<String>, next: impl Into<String>) {
        self.steps.push(Step {
            title: title.into(),
            outcome: Outcome::Fail {
                problem: problem.into(),
                next: next.into(),
            },
        });
    }

    pub fn passed(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|s| matches!(s.outcome, Outcome::Pass(_)))
    }

    pub fn failures(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Fail { .. }))
            .count()
    }

    /// 0 when every check passed, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.passed() { 0 } else { 1 }
    }

    /// The checklist as printed: `✓`/`✗` per step, the next step under each failure.
    pub fn render(&self) -> String {
        let mut out = format!("{}\n\n", self.heading);
        for s in &self.steps {
            match &s.outcome {
                Outcome::Pass(detail) => out.push_str(&format!("✓ {}: {detail}\n", s.title)),
                Outcome::Fail { problem, next } => {
                    out.push_str(&format!("✗ {}: {problem}\n    → {next}\n", s.title));
                }
            }
        }
        let failed = self.failures();
        out.push_str(&match failed {
            0 => format!("\nAll {} checks passed.\n", self.steps.len()),
            n => format!("\n{n} of {} checks failed.\n", self.steps.len()),
        });
        out
    }
}

/// The `check` subcommand: parse, load the settings as the server does, run, print.
pub async fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    let options = match Options::parse(args) {
        Ok(o) => o,
        Err(e) if e.0 == USAGE => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let report = match Settings::load() {
        Ok(settings) => match run(&settings, &|k: &str| std::env::var(k).ok(), &options).await {
            Ok(report) => report,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        Err(e) => {
            let mut r = Report {
                heading: "clinical-images check".into(),
                ..Report::default()
            };
            r.fail(
                "settings",
                e.to_string(),
                format!(
                    "fix {} (or point APP_CONFIG at the right file) and run the check again",
                    Settings::path().display()
                ),
            );
            r
        }
    };
    print!("{}", report.render());
    ExitCode::from(report.exit_code())
}
