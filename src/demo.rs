//! `kafedra --demo`: a fresh data folder with sample readers and logins, and
//! the provider simulator running in this process.

use std::path::Path;

use chrono::Local;
use kafedra_core::config::{Paths, Settings};
use kafedra_core::domain::records::ReaderId;
use kafedra_core::sample::{pool_csv, readers as sample_readers};
use kafedra_core::services::provider::{self, Setup};
use kafedra_core::services::{Context, Store, access, pool, readers, settings};
use kafedra_core::sim::{self, SimHandle};

/// Prepares a demo data folder: settings, ~300 readers, a pool of 400 logins,
/// a third of the readers with logins.
pub fn prepare(dir: &Path) -> Result<(Context, Store), String> {
    let paths = Paths::portable(dir);
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("Не удалось создать папку {}: {e}", dir.display()))?;
    let settings = settings::load_or_create(&paths, || Settings {
        library_name: "Центральная городская библиотека им. А. С. Пушкина".into(),
        staff_name: "Смирнова О. В.".into(),
        desk_name: "Кафедра обслуживания, 1 этаж".into(),
        library_page_url: "https://biblio.litres.ru/libreg/12345/".into(),
        print_after_bind: false,
        ..Settings::default()
    })
    .map_err(|e| e.to_string())?;
    let mut store =
        Store::open_sealed(&paths.db_file(), &paths.pool_key_file()).map_err(|e| e.to_string())?;
    let ctx = Context::new(settings, paths);
    fill(&mut store, &ctx).map_err(|e| e.to_string())?;
    Ok((ctx, store))
}

/// ~300 readers, 400 logins, every third reader with a login, once.
fn fill(store: &mut Store, ctx: &Context) -> kafedra_core::services::Result<()> {
    if readers::count(store)? > 0 {
        return Ok(());
    }
    let today = Local::now().date_naive();
    readers::load_many(store, ctx, &sample_readers(300, 7, "2025", today), true)?;
    let csv = pool_csv(400, 11, "LR-");
    pool::import(store, ctx, &csv, "litres-logins-demo.csv", &mut |_, _| {})?;
    for id in (1..=300).step_by(3) {
        access::grant(store, ctx, ReaderId::from(id), None)?;
    }
    Ok(())
}

/// The demo folder plus the provider simulator, started on the current
/// tokio runtime (keep the handle alive), configured as this desk's provider,
/// with a new reader request every 20 seconds.
pub async fn prepare_with_provider(dir: &Path) -> Result<(Context, Store, SimHandle), String> {
    let (ctx, store) = prepare(dir)?;
    let cfg = sim::SimConfig {
        initial_readers: 40,
        initial_requests: 12,
        initial_fund_titles: 60,
        rules: sim::Rules::preset("vladivostok").unwrap_or_default(),
        ..sim::SimConfig::default()
    };
    let handle = sim::start(cfg.clone()).await.map_err(|e| e.to_string())?;
    let setup = Setup {
        url: handle.base_url(),
        app_id: cfg.app_id.clone(),
        secret: cfg.secret.clone(),
        libhouse: cfg.libhouse,
        login: cfg.staff_login.clone(),
        password: cfg.staff_password.clone(),
        ca_pem: Some(handle.ca_pem.clone().into_bytes()),
        timeout_secs: 10,
        min_interval_ms: 1000,
    };
    provider::set_up(&ctx.paths, setup).map_err(|e| e.to_string())?;
    // Detached: it stops with the simulator.
    drop(handle.spawn_request_trickle(std::time::Duration::from_secs(20)));
    Ok((ctx, store, handle))
}
