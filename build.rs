//! Embeds the `sql/` files listed in `sql/manifest.txt`, in that order, as `SQL_FILES`.
use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=sql");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let sql_dir = Path::new(&manifest_dir).join("sql");
    let manifest = std::fs::read_to_string(sql_dir.join("manifest.txt"))
        .expect("sql/manifest.txt lists the sql/ files in the order they are applied");
    let mut code = String::from("pub const SQL_FILES: &[SqlFile] = &[\n");
    for path in manifest
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
    {
        let absolute = sql_dir.join(path);
        assert!(
            absolute.is_file(),
            "sql/manifest.txt names a missing file: sql/{path}"
        );
        println!("cargo:rerun-if-changed={}", absolute.display());
        writeln!(
            code,
            "    SqlFile {{ path: {path:?}, text: include_str!({absolute:?}) }},",
            absolute = absolute.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("sql_files.rs");
    std::fs::write(out, code).expect("write sql_files.rs");
}
