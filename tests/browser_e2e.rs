//! End to end in a real browser: Debian's Chromium, headless, driven over
//! the DevTools protocol against the real server on a sample database.
//! Pages load with no console error, CSP violation or failed request; every
//! chart is visible and has marks; the filter form changes the charts; a
//! click on a chart leads to the village's page; the language toggle works
//! and is remembered; sign-in and sign-out work through the forms; a user
//! scoped to one war zone gets 403 elsewhere; at phone width nothing scrolls
//! sideways.
//!
//! One browser and one server serve every check (they run one after the
//! other in one test, so the binary starts Chromium once); a failed check
//! does not stop the others, and each failure saves a screenshot and the
//! DOM under `$CARGO_TARGET_TMPDIR/e2e-artifacts/`, named in the failure.
//! Without Chromium the test fails in CI (`CI` set) and is skipped, loudly,
//! elsewhere.

mod common;
#[path = "common/chrome.rs"]
mod chrome;

use std::time::{Duration, Instant};

use chrome::{Chrome, Tab, DESKTOP};
use common::{add_user, sample_db, spawn_app, TestApp};
use jingzhun::auth::{Role, Scope};
use serde::Deserialize;

/// Places the checks need, read from the database before the server holds it.
struct Places {
    /// A village of war zone 1 (out of the scoped user's reach).
    zone1_village: String,
    /// A village and a township of war zone 2 (the scoped user's zone).
    zone2_village: String,
    zone2_township: String,
}

fn places(db: &std::path::Path) -> Places {
    let conn = jingzhun::store::open_ro(db).unwrap();
    let one = |sql: &str| -> String { conn.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap_or_else(|e| panic!("{sql}: {e}")) };
    Places {
        zone1_village: one("SELECT min(v.village_code) FROM village v JOIN township t USING (township_code) WHERE t.zone_id = 1"),
        zone2_village: one("SELECT min(v.village_code) FROM village v JOIN township t USING (township_code) WHERE t.zone_id = 2"),
        zone2_township: one("SELECT min(township_code) FROM township WHERE zone_id = 2"),
    }
}

const VIEWER: (&str, &str) = ("viewer", "viewer-pass-12345");
const LEAVER: (&str, &str) = ("leaver", "leaver-pass-12345");
const ZONE2: (&str, &str) = ("zone2", "zone-two-pass-123");

#[test]
fn the_pages_work_in_a_real_browser() {
    let Some(chromium) = chrome::chromium_or_skip() else { return };
    let started = Instant::now();
    let db = sample_db();
    let places = places(&db.path);
    add_user(&db.path, VIEWER.0, Role::Leader, Scope::All, VIEWER.1);
    add_user(&db.path, LEAVER.0, Role::Leader, Scope::All, LEAVER.1);
    add_user(&db.path, ZONE2.0, Role::Leader, Scope::Zone(2), ZONE2.1);
    let app = spawn_app(&db.path);

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let failures = rt.block_on(async {
        let chrome = Chrome::launch(&chromium).await;
        let tab = chrome.tab().await;
        let mut failures: Vec<String> = Vec::new();
        let app = &app;
        let places = &places;
        let tab = &tab;

        macro_rules! check {
            ($name:expr, $body:expr) => {{
                let t = Instant::now();
                let outcome = match tokio::time::timeout(Duration::from_secs(90), $body).await {
                    Ok(r) => r,
                    Err(_) => Err("timed out after 90 s".to_string()),
                };
                match outcome {
                    Ok(()) => eprintln!("e2e ok   {} ({} ms)", $name, t.elapsed().as_millis()),
                    Err(msg) => {
                        let saved = tab.save_artifacts($name).await;
                        eprintln!("e2e FAIL {}: {msg}", $name);
                        failures.push(format!("{}: {msg}\n    screenshot and DOM: {saved}", $name));
                    }
                }
            }};
        }

        check!("harness-sees-problems", harness_sees_problems(tab, app));
        check!("anonymous-pages", anonymous_pages(tab, app));
        check!("sign-in-viewer", sign_in(tab, app, VIEWER));
        check!("signed-in-pages", signed_in_pages(tab, app, places));
        check!("filter-form", filter_form(tab, app));
        check!("drill-down-to-village", drill_down(tab, app));
        check!("language-toggle", language_toggle(tab, app));
        check!("phone-width", phone_width(tab, app, places));
        // Sign-out ends every session of the user: a user of its own.
        chrome.clear_cookies().await;
        check!("sign-in-and-out", sign_in_and_out(tab, app));
        chrome.clear_cookies().await;
        check!("scoped-user", scoped_user(tab, app, places));

        chrome.close().await;
        failures
    });
    eprintln!("e2e: {} checks failed, {:.1} s in all", failures.len(), started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{} browser check(s) failed:\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------- checks

type Check = Result<(), String>;

/// The harness itself notices what the other checks rely on it to notice:
/// a CSP violation, a console error and a failed subresource; a hidden
/// chart, a chart without marks; a page wider than a phone.
async fn harness_sees_problems(tab: &Tab, app: &TestApp) -> Check {
    tab.visit(&app.url("/login")).await?;
    expect_clean(tab, "/login").await?;
    tab.eval::<bool>(
        "(() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.body.append(s);
                  const i = new Image(); i.src = '/static/no-such-file.png'; document.body.append(i);
                  console.error('deliberate'); return true; })()",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = tab.problems().await;
    let ran = tab.eval::<bool>("window.inlineRan === true").await?;
    if ran {
        return Err("the CSP let an inline script run".into());
    }
    let has = |needle: &str| seen.iter().any(|p| p.contains(needle));
    let mut missing = Vec::new();
    if !seen.iter().any(|p| p.contains("Content Security Policy") || p.contains("Security")) {
        missing.push("the CSP violation");
    }
    if !has("deliberate") {
        missing.push("console.error");
    }
    if !has("no-such-file.png") {
        missing.push("the failed image request");
    }
    if !missing.is_empty() {
        return Err(format!("the tab did not report {}; it saw {seen:#?}", missing.join(", ")));
    }

    // The chart check notices a chart that is not shown, or has no marks.
    tab.visit(&app.url("/public")).await?;
    charts_are_visible(tab, "/public").await?;
    tab.eval::<bool>("(() => { document.querySelector('main figure svg').style.display = 'none'; return true; })()").await?;
    if charts_are_visible(tab, "/public with a chart hidden").await.is_ok() {
        return Err("the chart check passed a page whose first chart is hidden".into());
    }
    tab.visit(&app.url("/public")).await?;
    tab.eval::<bool>("(() => { document.querySelectorAll('main figure svg .mark').forEach(m => m.remove()); return true; })()").await?;
    if charts_are_visible(tab, "/public without marks").await.is_ok() {
        return Err("the chart check passed charts without data marks".into());
    }
    // The phone check notices something wider than the screen.
    tab.set_viewport(390, 844, true).await?;
    tab.visit(&app.url("/public")).await?;
    fits_the_phone(tab).await?;
    tab.eval::<bool>("(() => { const d = document.createElement('div'); d.style.width = '600px'; d.style.height = '1px'; document.querySelector('main').append(d); return true; })()").await?;
    let caught = fits_the_phone(tab).await.is_err();
    tab.set_viewport(DESKTOP.0 as i64, DESKTOP.1 as i64, false).await?;
    if !caught {
        return Err("the phone check passed a page 600 px wide".into());
    }
    Ok(())
}

/// Pages anyone may open: the overview, the public pages and sign-in.
async fn anonymous_pages(tab: &Tab, app: &TestApp) -> Check {
    let mut errors = Vec::new();
    for path in ["/", "/public", "/public/incidence", "/login"] {
        if let Err(e) = page_is_sound(tab, app, path, path != "/login").await {
            errors.push(e);
        }
    }
    joined(errors)
}

/// Signs in through the form; the browser ends up on the overview.
async fn sign_in(tab: &Tab, app: &TestApp, (name, password): (&str, &str)) -> Check {
    tab.visit(&app.url("/login")).await?;
    tab.type_into("input[name=name]", name).await?;
    tab.type_into("input[name=password]", password).await?;
    tab.click("form[action='/login'] button[type=submit]").await?;
    tab.wait_loaded(|u| !u.contains("/login")).await?;
    let path = tab.eval::<String>("location.pathname").await?;
    if path != "/" {
        return Err(format!("after signing in as {name} the browser is at {path}, not /"));
    }
    expect_clean(tab, "the overview after sign-in").await?;
    tab.visit(&app.url("/account")).await?;
    let text = tab.eval::<String>("document.querySelector('main').innerText").await?;
    if !text.contains(name) {
        return Err(format!("/account does not name {name}: {text}"));
    }
    Ok(())
}

/// Every dashboard in the navigation, and a war zone's, a township's and a
/// village's page, for a signed-in user.
async fn signed_in_pages(tab: &Tab, app: &TestApp, places: &Places) -> Check {
    tab.visit(&app.url("/")).await?;
    let nav: Vec<String> = tab.eval("[...document.querySelectorAll('nav.dashboards a')].map(a => a.getAttribute('href'))").await?;
    if nav.len() < 8 {
        return Err(format!("the navigation lists {} dashboards: {nav:?}", nav.len()));
    }
    let mut paths: Vec<String> = nav.into_iter().filter(|p| p != "/").collect();
    paths.push("/zone/2".into());
    paths.push(format!("/township/{}", places.zone2_township));
    paths.push(format!("/village/{}", places.zone2_village));
    let mut errors = Vec::new();
    for path in &paths {
        if let Err(e) = page_is_sound(tab, app, path, true).await {
            errors.push(e);
        }
    }
    joined(errors)
}

/// Choosing another year and applying the filters redraws the charts.
async fn filter_form(tab: &Tab, app: &TestApp) -> Check {
    tab.visit(&app.url("/d/incidence")).await?;
    let before = chart_state(tab, "villages").await?;
    let year = tab.eval::<String>("document.querySelector('select[name=year]').value").await?;
    if year != "2016" {
        return Err(format!("the year filter starts at {year}, not the dashboard's default 2016"));
    }
    tab.eval::<bool>(
        "(() => { const s = document.querySelector('select[name=year]'); s.value = '2018'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()",
    )
    .await?;
    tab.reset();
    tab.click("form.params button[type=submit]").await?;
    tab.wait_loaded(|u| u.contains("year=2018")).await?;
    expect_clean(tab, "/d/incidence?year=2018").await?;
    let after = chart_state(tab, "villages").await?;
    let shown = tab.eval::<String>("document.querySelector('select[name=year]').value").await?;
    if shown != "2018" {
        return Err(format!("after applying year 2018 the form shows {shown}"));
    }
    if after.titles.is_empty() {
        return Err("the redrawn chart has no hover titles".into());
    }
    if after.titles == before.titles || after.svg == before.svg {
        return Err(format!("the villages chart did not change with the year: {:?}", &after.titles[..after.titles.len().min(5)]));
    }
    charts_are_visible(tab, "/d/incidence?year=2018").await
}

/// A click on a bar of the villages ranking opens that village's page.
async fn drill_down(tab: &Tab, app: &TestApp) -> Check {
    tab.visit(&app.url("/d/incidence")).await?;
    let (href, title): (String, String) = tab
        .eval("(() => { const a = document.querySelector('#villages svg a'); return a ? [a.getAttribute('href'), a.querySelector('title').textContent] : ['', '']; })()")
        .await?;
    if !href.starts_with("/village/") {
        return Err(format!("the villages chart links {href:?}, not a village page"));
    }
    let name = title.split(':').next().unwrap_or_default().trim().to_string();
    tab.reset();
    tab.click("#villages svg a").await?;
    tab.wait_loaded(|u| u.contains("/village/")).await?;
    let path = tab.eval::<String>("location.pathname").await?;
    if path != href {
        return Err(format!("clicking the bar of {name} led to {path}, not {href}"));
    }
    if tab.document_status().await != Some(200) {
        return Err(format!("{path} answered {:?}", tab.document_status().await));
    }
    let h1 = tab.eval::<String>("document.querySelector('h1').textContent").await?;
    if name.is_empty() || !h1.contains(&name) {
        return Err(format!("the village page's heading {h1:?} does not name {name:?}"));
    }
    let crumbs = tab.eval::<usize>("document.querySelectorAll('nav.crumbs li').length").await?;
    if crumbs < 4 {
        return Err(format!("the village page has {crumbs} breadcrumbs, not banner → zone → township → village"));
    }
    expect_clean(tab, &path).await?;
    charts_are_visible(tab, &path).await
}

/// The toggle switches to English, the choice is remembered on the next
/// page, and the toggle switches back.
async fn language_toggle(tab: &Tab, app: &TestApp) -> Check {
    tab.visit(&app.url("/d/incidence")).await?;
    let lang = tab.eval::<String>("document.documentElement.lang").await?;
    if lang != "zh-CN" {
        return Err(format!("the page starts in {lang}, not zh-CN"));
    }
    tab.reset();
    tab.click("header a.lang").await?;
    tab.wait_loaded(|u| u.contains("lang=en")).await?;
    expect_clean(tab, "/d/incidence in English").await?;
    english(tab, "Poverty incidence").await?;
    charts_are_visible(tab, "/d/incidence in English").await?;
    // Remembered: another page, no ?lang, still English.
    tab.visit(&app.url("/d/causes")).await?;
    english(tab, "Causes").await.map_err(|e| format!("the choice of English was not remembered: {e}"))?;
    tab.reset();
    tab.click("header a.lang").await?;
    tab.wait_loaded(|u| u.contains("lang=zh")).await?;
    expect_clean(tab, "/d/causes back in Chinese").await?;
    let (lang, toggle): (String, String) =
        tab.eval("[document.documentElement.lang, document.querySelector('header a.lang').textContent.trim()]").await?;
    if lang != "zh-CN" || toggle != "English" {
        return Err(format!("after toggling back: <html lang={lang:?}>, toggle {toggle:?}"));
    }
    tab.visit(&app.url("/")).await?;
    let lang = tab.eval::<String>("document.documentElement.lang").await?;
    if lang != "zh-CN" {
        return Err(format!("Chinese was not remembered: the overview is in {lang}"));
    }
    Ok(())
}

/// At 390 CSS pixels (a phone, the page's viewport meta honoured) nothing
/// is wider than the screen, and the charts still show.
async fn phone_width(tab: &Tab, app: &TestApp, places: &Places) -> Check {
    tab.set_viewport(390, 844, true).await?;
    let mut errors = Vec::new();
    for path in ["/".to_string(), "/d/incidence".to_string(), format!("/village/{}", places.zone2_village), "/public".to_string()] {
        if let Err(e) = tab.visit(&app.url(&path)).await {
            errors.push(e);
            continue;
        }
        if let Err(e) = fits_the_phone(tab).await {
            errors.push(format!("{path}: {e}"));
        }
        if let Err(e) = charts_are_visible(tab, &format!("{path} at 390 px")).await {
            errors.push(e);
        }
        if let Err(e) = expect_clean(tab, &format!("{path} at 390 px")).await {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        // Keep the phone viewport for the screenshot of the failure.
        return joined(errors);
    }
    tab.set_viewport(DESKTOP.0 as i64, DESKTOP.1 as i64, false).await
}

/// Signing in and out through the forms; afterwards a private page asks
/// for sign-in again.
async fn sign_in_and_out(tab: &Tab, app: &TestApp) -> Check {
    // A wrong password is refused on the form itself.
    tab.visit(&app.url("/login")).await?;
    tab.type_into("input[name=name]", LEAVER.0).await?;
    tab.type_into("input[name=password]", "not-the-password").await?;
    tab.click("form[action='/login'] button[type=submit]").await?;
    tab.wait_for("document.readyState === 'complete' && !!document.querySelector('[role=alert]')").await?;
    let alert = tab.eval::<String>("(document.querySelector('[role=alert]') || {textContent: ''}).textContent").await?;
    if !alert.contains("Wrong user name or password") {
        return Err(format!("a wrong password did not say so on the form: {alert:?}"));
    }

    sign_in(tab, app, LEAVER).await?;
    // /d/risk draws on queries that are not public: it needs a user.
    for path in ["/d/risk", "/account"] {
        tab.visit(&app.url(path)).await?;
        let at = tab.eval::<String>("location.pathname").await?;
        if at != path {
            return Err(format!("a signed-in user asking for {path} was sent to {at}"));
        }
    }
    tab.reset();
    tab.click("form[action='/logout'] button[type=submit]").await?;
    tab.wait_loaded(|u| !u.contains("/account")).await?;
    let path = tab.eval::<String>("location.pathname").await?;
    if path != "/" {
        return Err(format!("signing out led to {path}, not /"));
    }
    expect_clean(tab, "the overview after sign-out").await?;
    for path in ["/d/risk", "/account"] {
        tab.visit(&app.url(path)).await?;
        let (at, search): (String, String) = tab.eval("[location.pathname, location.search]").await?;
        if at != "/login" || !search.contains("next=") {
            return Err(format!("after signing out {path} led to {at}{search}, not the sign-in page"));
        }
    }
    Ok(())
}

/// A leader of war zone 2 sees zone 2 and gets 403 for zone 1, through the
/// unit pages and the dashboard filter.
async fn scoped_user(tab: &Tab, app: &TestApp, places: &Places) -> Check {
    sign_in(tab, app, ZONE2).await?;
    page_is_sound(tab, app, "/zone/2", true).await?;
    page_is_sound(tab, app, &format!("/village/{}", places.zone2_village), true).await?;
    page_is_sound(tab, app, "/d/incidence", true).await?;
    let zone = tab.eval::<String>("document.querySelector('select[name=zone]').value").await?;
    if zone != "2" {
        return Err(format!("the scoped user's zone filter starts at {zone:?}, not 2"));
    }
    for path in ["/zone/1".to_string(), format!("/village/{}", places.zone1_village), "/d/incidence?zone=1".to_string()] {
        tab.visit(&app.url(&path)).await?;
        let status = tab.document_status().await;
        if status != Some(403) {
            return Err(format!("{path} answered {status:?} to a leader of zone 2, not 403"));
        }
        let text = tab.eval::<String>("document.body.innerText").await?;
        if text.trim().is_empty() {
            return Err(format!("the 403 page for {path} is blank"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- helpers

/// Loads `path`: it answers 200, shows no console error, CSP violation or
/// failed request, and (when `charts`) shows its charts.
async fn page_is_sound(tab: &Tab, app: &TestApp, path: &str, charts: bool) -> Check {
    tab.visit(&app.url(path)).await?;
    let status = tab.document_status().await;
    if status != Some(200) {
        return Err(format!("{path} answered {status:?}"));
    }
    let at = tab.eval::<String>("location.pathname + location.search").await?;
    if at != path {
        return Err(format!("{path} led to {at}"));
    }
    expect_clean(tab, path).await?;
    if charts {
        charts_are_visible(tab, path).await?;
    }
    Ok(())
}

/// Nothing scrolls sideways at the phone's width of 390 CSS pixels.
async fn fits_the_phone(tab: &Tab) -> Check {
    let (scroll, inner, client): (f64, f64, f64) =
        tab.eval("[document.scrollingElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth]").await?;
    if scroll <= inner && scroll <= 390.0 && client <= 390.0 {
        return Ok(());
    }
    let wide: Vec<String> = tab
        .eval(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
               .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className : '') + ' right=' + Math.round(e.getBoundingClientRect().right))",
        )
        .await
        .unwrap_or_default();
    Err(format!("at 390 px: scrollWidth {scroll} > innerWidth {inner} (clientWidth {client}); too wide: {wide:?}"))
}

/// No problems seen since the last reset.
async fn expect_clean(tab: &Tab, what: &str) -> Check {
    let problems = tab.problems().await;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}: {problems:#?}"))
    }
}

#[derive(Deserialize)]
struct Charts {
    figures: usize,
    charts: usize,
    problems: Vec<String>,
}

/// Every `<figure>` in the page shows: a chart whose SVG has a box of
/// non-zero size, within its figure, with drawn shapes and visible data
/// marks — or headline tiles with values.
async fn charts_are_visible(tab: &Tab, what: &str) -> Check {
    let c: Charts = tab
        .eval(
            r#"(() => {
  const out = [];
  const figs = [...document.querySelectorAll('main figure')];
  let charts = 0;
  for (const f of figs) {
    const id = f.id || '(figure)';
    const fr = f.getBoundingClientRect();
    if (!(fr.width > 0 && fr.height > 0)) { out.push(`${id}: figure not displayed (${fr.width}×${fr.height})`); continue; }
    const svg = f.querySelector('svg');
    if (!svg) {
      const tiles = [...f.querySelectorAll('.tile')];
      if (!tiles.length) out.push(`${id}: neither a chart nor tiles`);
      for (const t of tiles) {
        const r = t.getBoundingClientRect();
        const v = t.querySelector('.value');
        if (!(r.width > 0 && r.height > 0) || !v || !v.textContent.trim()) out.push(`${id}: a tile is empty or not displayed`);
      }
      continue;
    }
    charts++;
    const r = svg.getBoundingClientRect();
    const cs = getComputedStyle(svg);
    if (!(r.width > 0 && r.height > 0)) out.push(`${id}: chart is ${r.width}×${r.height}`);
    if (cs.display === 'none' || cs.visibility !== 'visible' || Number(cs.opacity) === 0) out.push(`${id}: chart hidden (${cs.display}, ${cs.visibility}, ${cs.opacity})`);
    if (r.left < fr.left - 1 || r.right > fr.right + 1) out.push(`${id}: chart ${Math.round(r.left)}–${Math.round(r.right)} sticks out of its figure ${Math.round(fr.left)}–${Math.round(fr.right)}`);
    const drawn = svg.querySelectorAll('path, rect:not(.mark), polyline, polygon, circle, line').length;
    if (!drawn) out.push(`${id}: nothing drawn`);
    const marks = [...svg.querySelectorAll('.mark')].filter(m => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
    if (!marks.length) out.push(`${id}: no data mark of non-zero size`);
    if (!svg.querySelector('.mark title') || !svg.querySelector('.mark title').textContent.trim()) out.push(`${id}: marks without hover titles`);
  }
  return {figures: figs.length, charts, problems: out};
})()"#,
        )
        .await?;
    if c.figures == 0 || c.charts == 0 {
        return Err(format!("{what}: {} figures, {} charts", c.figures, c.charts));
    }
    if c.problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}: {}", c.problems.join("; ")))
    }
}

#[derive(Deserialize, PartialEq)]
struct ChartState {
    svg: String,
    titles: Vec<String>,
}

async fn chart_state(tab: &Tab, figure: &str) -> Result<ChartState, String> {
    tab.eval(&format!(
        "(() => {{ const s = document.querySelector('#{figure} svg'); return s ? {{svg: s.outerHTML, titles: [...s.querySelectorAll('.mark title')].map(t => t.textContent)}} : {{svg: '', titles: []}}; }})()"
    ))
    .await
}

/// The page is in English: `<html lang="en">`, the toggle offers 中文, the
/// heading is `heading` and the filter button is in English.
async fn english(tab: &Tab, heading: &str) -> Check {
    let (lang, toggle, h1, button): (String, String, String, String) = tab
        .eval(
            "[document.documentElement.lang, document.querySelector('header a.lang').textContent.trim(),
              document.querySelector('h1').textContent.trim(), (document.querySelector('form.params button') || {textContent: ''}).textContent.trim()]",
        )
        .await?;
    if lang != "en" || toggle != "中文" || !h1.contains(heading) || button != "Apply filters" {
        return Err(format!("not in English: <html lang={lang:?}>, toggle {toggle:?}, heading {h1:?}, button {button:?}"));
    }
    Ok(())
}

fn joined(errors: Vec<String>) -> Check {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n    "))
    }
}
