//! The `wrk` load generator of `nedvizhimost-bench api` (`--client wrk`): a lean C client in its own process.

use std::net::SocketAddr;
use std::time::Duration;

use super::scenarios::Scenario;
use super::{BenchApiOptions, ScenarioResult};

/// Runs `wrk` against the served router: one thread, `concurrency` connections, the scenario's paths in turn
/// (a Lua script per scenario), and reads its summary (`--latency` percentiles).
pub fn measure(
    address: SocketAddr,
    scenario: &Scenario,
    options: &BenchApiOptions,
) -> Result<ScenarioResult, String> {
    let script_path = std::env::temp_dir().join(format!("bench-api-{}.lua", std::process::id()));
    std::fs::write(&script_path, wrk_script(&scenario.paths))
        .map_err(|error| format!("{}: {error}", script_path.display()))?;
    let output = std::process::Command::new("wrk")
        .args(["--threads", "1", "--latency"])
        .arg(format!("--connections={}", options.concurrency))
        .arg(format!("--duration={}s", options.seconds))
        .arg(format!("--script={}", script_path.display()))
        .arg(format!("http://{address}"))
        .output()
        .map_err(|error| format!("wrk (apt-get install wrk): {error}"))?;
    let _ = std::fs::remove_file(&script_path);
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {}{report}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse_wrk_report(scenario.name, &report)
}

/// The scenario's paths as a wrk Lua script: every request takes the next path, round robin.
fn wrk_script(paths: &[String]) -> String {
    let quoted: Vec<String> = paths.iter().map(|path| lua_string(path)).collect();
    format!(
        "local paths = {{{}}}\nlocal next_path = 0\nrequest = function()\n  next_path = next_path % #paths + 1\n  return wrk.format(\"GET\", paths[next_path])\nend\n",
        quoted.join(",\n")
    )
}

/// A Lua string literal: quotes, backslashes and every byte outside printable ASCII as decimal escapes.
fn lua_string(text: &str) -> String {
    let mut literal = String::from("\"");
    for byte in text.bytes() {
        match byte {
            b'"' | b'\\' => literal.push_str(&format!("\\{}", byte as char)),
            0x20..=0x7e => literal.push(byte as char),
            _ => literal.push_str(&format!("\\{byte:03}")),
        }
    }
    literal.push('"');
    literal
}

fn parse_wrk_report(name: &'static str, report: &str) -> Result<ScenarioResult, String> {
    let unreadable = || format!("unexpected wrk output:\n{report}");
    let line_starting = |prefix: &str| {
        report
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with(prefix))
    };
    let percentile = |label: &str| -> Result<Duration, String> {
        let value = line_starting(label)
            .and_then(|line| line.split_whitespace().nth(1))
            .ok_or_else(unreadable)?;
        parse_wrk_duration(value).ok_or_else(unreadable)
    };
    let requests = report
        .lines()
        .find(|line| line.contains(" requests in "))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|count| count.parse::<usize>().ok())
        .ok_or_else(unreadable)?;
    let throughput = line_starting("Requests/sec:")
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse::<f64>().ok())
        .ok_or_else(unreadable)?;
    let count_after = |prefix: &str| -> usize {
        line_starting(prefix)
            .map(|line| {
                line[prefix.len()..]
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|number| number.parse::<usize>().ok())
                    .sum()
            })
            .unwrap_or(0)
    };
    Ok(ScenarioResult {
        name,
        requests,
        errors: count_after("Non-2xx or 3xx responses:") + count_after("Socket errors:"),
        throughput,
        p50: percentile("50%")?,
        p99: percentile("99%")?,
        cache_hits: None,
    })
}

/// `812.00us`, `1.53ms`, `2.01s`, `1.50m`, `1.00h` → a duration.
fn parse_wrk_duration(value: &str) -> Option<Duration> {
    let (number, seconds_per_unit) = if let Some(number) = value.strip_suffix('h') {
        (number, 3600.0)
    } else if let Some(number) = value.strip_suffix("us") {
        (number, 1e-6)
    } else if let Some(number) = value.strip_suffix("ms") {
        (number, 1e-3)
    } else if let Some(number) = value.strip_suffix('m') {
        (number, 60.0)
    } else {
        (value.strip_suffix('s')?, 1.0)
    };
    Some(Duration::from_secs_f64(
        number.parse::<f64>().ok()? * seconds_per_unit,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK_REPORT: &str = "Running 15s test @ http://127.0.0.1:40000
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.38ms    9.12ms 120.30ms   70.12%
    Req/Sec     1.51k   120.00     1.80k    75.00%
  Latency Distribution
     50%   19.80ms
     75%   25.10ms
     90%   32.00ms
     99%   48.70ms
  22650 requests in 15.01s, 180.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   1509.00
Transfer/sec:     12.00MB
";

    #[test]
    fn a_wrk_summary_gives_throughput_percentiles_and_errors() {
        let result = parse_wrk_report("поиск", WRK_REPORT).unwrap();
        assert_eq!(result.requests, 22_650);
        assert_eq!(result.errors, 7);
        assert!((result.throughput - 1509.0).abs() < 1e-9);
        assert_eq!(result.p50, Duration::from_micros(19_800));
        assert_eq!(result.p99, Duration::from_micros(48_700));
    }

    #[test]
    fn wrk_durations_in_every_unit() {
        assert_eq!(
            parse_wrk_duration("812.00us"),
            Some(Duration::from_micros(812))
        );
        assert_eq!(parse_wrk_duration("2.00s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_wrk_duration("1.50m"), Some(Duration::from_secs(90)));
        assert_eq!(parse_wrk_duration("1.00h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_wrk_duration("fast"), None);
    }

    #[test]
    fn the_wrk_script_walks_every_path_in_turn() {
        let script = wrk_script(&["/a?x=1".to_owned(), "/b".to_owned()]);
        assert!(script.contains("\"/a?x=1\",\n\"/b\""));
        assert!(script.contains("next_path % #paths + 1"));
        assert_eq!(
            lua_string("/a?q=\"ЖК\"\\"),
            "\"/a?q=\\\"\\208\\150\\208\\154\\\"\\\\\""
        );
    }
}
