//! Command line of the simulator (`kafedra-sim`), parsed by hand so the provider module
//! needs no CLI crate. A binary only has to call [`run`] with its arguments.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Fault, Rules, Scenario, SimConfig, SimError};

/// Help text.
pub const USAGE: &str = "\
kafedra-sim — симулятор ЭБС (протокол CataLit v2 по HTTPS на 127.0.0.1)

Параметры:
  --listen ADDR        адрес и порт (по умолчанию 127.0.0.1:8443; порт 0 — любой свободный)
  --cert-out FILE      записать корневой сертификат (CA) симулятора в FILE (PEM)
  --app ID             идентификатор приложения (по умолчанию kafedra-sim)
  --secret S           секретный ключ приложения (по умолчанию sim-secret)
  --login L            логин библиотеки (по умолчанию library)
  --password P         пароль библиотеки (по умолчанию library-password)
  --libhouse N         идентификатор библиотеки (по умолчанию 4242)
  --rules NAME         правила: default, vladivostok, kemerovo, tatarstan
  --money RUB          средства библиотеки, ₽
  --seed N             зерно генератора каталога и читателей (по умолчанию 1)
  --catalogue N        книг в каталоге (по умолчанию 2000)
  --readers N          читателей при старте (по умолчанию 50)
  --requests N         запросов при старте (по умолчанию 30)
  --fund N             названий в фонде при старте (по умолчанию 40)
  --scenario FILE      взять правила, средства, читателей, фонд и запросы из файла
                       сценария (.toml или .json; формат: resources/sim/scenario.md)
                       вместо созданных случайно; тогда без --rules, --money,
                       --readers, --requests, --fund
  --trickle SECONDS    новый запрос читателя каждые SECONDS секунд
  --pace MS            отклонять обращения чаще, чем раз в MS мс
  --fault NAME         неисправность на каждое обращение (можно несколько раз)
  --fault-once NAME    неисправность на одно следующее обращение (можно несколько раз)
                       NAME: delay, delay=SECONDS, http500, malformed-json, html,
                             expired-session, captcha, clock-skew, lose-response,
                             cut-answer, broken-tls, no-success, oversized,
                             slow-answer, endless-requests, endless-fund,
                             endless-readers
  --help               эта справка
";

/// Parsed command line.
#[derive(Debug, Clone)]
pub struct CliOptions {
    pub config: SimConfig,
    pub cert_out: Option<PathBuf>,
    pub faults_once: Vec<Fault>,
    pub trickle: Option<Duration>,
    pub help: bool,
}

fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, SimError> {
    *i += 1;
    args.get(*i)
        .map(String::as_str)
        .ok_or_else(|| SimError::Invalid(format!("{flag}: нужно значение")))
}

fn number<T: std::str::FromStr>(s: &str, flag: &str) -> Result<T, SimError> {
    s.parse()
        .map_err(|_| SimError::Invalid(format!("{flag}: неверное число «{s}»")))
}

/// Parses the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<CliOptions, SimError> {
    let mut config = SimConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
        initial_readers: 50,
        initial_requests: 30,
        initial_fund_titles: 40,
        ..SimConfig::default()
    };
    let mut opts = CliOptions {
        config: config.clone(),
        cert_out: None,
        faults_once: Vec::new(),
        trickle: None,
        help: false,
    };
    let mut money: Option<i64> = None;
    let mut scenario: Option<PathBuf> = None;
    // Flags that generate or set what a scenario states.
    let mut generated: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--help" | "-h" => opts.help = true,
            "--listen" => {
                config.listen = number(value(args, &mut i, flag)?, flag)?;
            }
            "--cert-out" => opts.cert_out = Some(PathBuf::from(value(args, &mut i, flag)?)),
            "--app" => config.app_id = value(args, &mut i, flag)?.to_string(),
            "--secret" => config.secret = value(args, &mut i, flag)?.to_string(),
            "--login" => config.staff_login = value(args, &mut i, flag)?.to_string(),
            "--password" => config.staff_password = value(args, &mut i, flag)?.to_string(),
            "--libhouse" => config.libhouse = number(value(args, &mut i, flag)?, flag)?,
            "--scenario" => scenario = Some(PathBuf::from(value(args, &mut i, flag)?)),
            "--rules" => {
                generated.push(flag);
                let name = value(args, &mut i, flag)?;
                config.rules = Rules::preset(name).ok_or_else(|| {
                    SimError::Invalid(format!(
                        "неизвестные правила «{name}»; есть: {}",
                        super::rules::PRESETS.join(", ")
                    ))
                })?;
            }
            "--money" => {
                generated.push(flag);
                money = Some(number(value(args, &mut i, flag)?, flag)?);
            }
            "--seed" => config.seed = number(value(args, &mut i, flag)?, flag)?,
            "--catalogue" => config.catalogue_size = number(value(args, &mut i, flag)?, flag)?,
            "--readers" => {
                generated.push(flag);
                config.initial_readers = number(value(args, &mut i, flag)?, flag)?;
            }
            "--requests" => {
                generated.push(flag);
                config.initial_requests = number(value(args, &mut i, flag)?, flag)?;
            }
            "--fund" => {
                generated.push(flag);
                config.initial_fund_titles = number(value(args, &mut i, flag)?, flag)?;
            }
            "--trickle" => {
                let secs: f64 = number(value(args, &mut i, flag)?, flag)?;
                if !(0.01..=86_400.0).contains(&secs) {
                    return Err(SimError::Invalid(format!(
                        "{flag}: от 0.01 до 86400 секунд"
                    )));
                }
                opts.trickle = Some(Duration::from_secs_f64(secs));
            }
            "--pace" => {
                let ms: u64 = number(value(args, &mut i, flag)?, flag)?;
                config.min_interval = Some(Duration::from_millis(ms));
            }
            "--fault" => config.faults.push(value(args, &mut i, flag)?.parse()?),
            "--fault-once" => opts.faults_once.push(value(args, &mut i, flag)?.parse()?),
            other => {
                return Err(SimError::Invalid(format!(
                    "неизвестный параметр «{other}»; см. --help"
                )));
            }
        }
        i += 1;
    }
    if let Some(rub) = money {
        config.rules.money = crate::provider::api::Money::from_rub(rub);
    }
    if let Some(path) = scenario {
        if !generated.is_empty() {
            return Err(SimError::Invalid(format!(
                "--scenario: правила, средства, читатели, фонд и запросы задаются в сценарии \
                 ([library], [[readers]], [[fund]], [[requests]]); уберите {}",
                generated.join(", ")
            )));
        }
        config.scenario = Some(Arc::new(Scenario::from_path(&path)?));
    }
    opts.config = config;
    Ok(opts)
}

/// Runs the simulator until the process is stopped (Ctrl+C).
pub async fn run(args: Vec<String>) -> Result<(), SimError> {
    let opts = parse(&args)?;
    if opts.help {
        print!("{USAGE}");
        return Ok(());
    }
    let sim = super::start(opts.config.clone()).await?;
    if let Some(path) = &opts.cert_out {
        sim.write_ca_pem(path)?;
        println!("Сертификат CA записан: {}", path.display());
    }
    for f in opts.faults_once {
        sim.inject(f);
    }
    let _trickle = opts.trickle.map(|t| sim.spawn_request_trickle(t));
    let c = &opts.config;
    println!("Симулятор ЭБС слушает {}", sim.base_url());
    println!(
        "  приложение: {}   библиотека (libhouse): {}   логин: {}",
        c.app_id, c.libhouse, c.staff_login
    );
    let info = sim.state();
    let rules = &sim.config().rules;
    println!("  правила: {}   средства: {}", rules.name, info.money_left);
    if c.scenario.is_some() {
        println!(
            "  по сценарию: читателей {}, запросов {}, названий в фонде {}",
            info.readers.len(),
            info.requests.len(),
            info.fund.len()
        );
    }
    if !c.faults.is_empty() {
        let names: Vec<&str> = c.faults.iter().map(Fault::name).collect();
        println!("  неисправности: {}", names.join(", "));
    }
    println!("Остановить: Ctrl+C");
    std::future::pending::<()>().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_flags_and_faults() {
        let o = parse(&args(
            "--listen 127.0.0.1:0 --rules vladivostok --fault captcha --fault delay=2.5 --fault-once lose-response --cert-out /tmp/ca.pem --money 500",
        ))
        .unwrap();
        assert_eq!(o.config.rules.max_on_hand, Some(2));
        assert_eq!(
            o.config.faults,
            vec![Fault::Captcha, Fault::Delay(Duration::from_millis(2500))]
        );
        assert_eq!(o.faults_once, vec![Fault::LoseResponse]);
        assert_eq!(o.cert_out, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(
            o.config.rules.money,
            crate::provider::api::Money::from_rub(500)
        );
        for name in Fault::NAMES {
            assert_eq!(name.parse::<Fault>().unwrap().name(), *name);
            assert!(USAGE.contains(name), "the help names {name}");
        }
        assert!(parse(&args("--fault nonsense")).is_err());
        assert!(parse(&args("--rules mars")).is_err());
        assert!(parse(&args("--listen")).is_err());
    }

    #[test]
    fn a_scenario_file_replaces_the_generated_library() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.toml");
        std::fs::write(
            &path,
            "[library]\nmax_on_hand = 1\n\n[[readers]]\ncard = \"1\"\nname = \"Иванов Иван\"\n\
             birth_date = \"1990-01-01\"\nemail = \"i@example.org\"\n",
        )
        .unwrap();
        let p = path.display().to_string();
        let o = parse(&args(&format!("--listen 127.0.0.1:0 --scenario {p}"))).unwrap();
        let sc = o.config.scenario.expect("the scenario");
        assert_eq!(sc.readers.len(), 1);
        assert_eq!(sc.rules().max_on_hand, Some(1));
        // What a scenario states cannot also be generated or preset.
        let e = parse(&args(&format!("--scenario {p} --readers 5"))).unwrap_err();
        assert!(e.to_string().contains("--readers"), "{e}");
        let e = parse(&args("--scenario /nonexistent/case.toml")).unwrap_err();
        assert!(e.to_string().contains("не удалось открыть"), "{e}");
        let e = parse(&args("--scenario case.yaml")).unwrap_err();
        assert!(e.to_string().contains(".toml или .json"), "{e}");
    }
}
