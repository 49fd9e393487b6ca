//! The schema, checked from three sides, because it is written three times:
//! `migrations/sqlite`, `migrations/postgres` and `db/src/schema.rs`.
//!
//! - [`sqlite_schema_matches_snapshot`]: the migrated SQLite database,
//!   introspected and rendered as normalised text (tables, columns with a
//!   type family, nullability and whether they have a default, primary keys,
//!   indexes with their columns, uniqueness and partial predicate, foreign
//!   keys), equals the committed
//!   `db/schema-snapshot.txt`. The snapshot is the reviewable picture of the
//!   schema; `QIBAO_UPDATE_SNAPSHOT=1` rewrites it.
//! - [`postgres_schema_matches_sqlite`] (when `QIBAO_TEST_DATABASE_URL` is
//!   set): the migrated PostgreSQL database renders to the same text, so the
//!   two trees declare the same schema.
//! - [`schema_rs_matches_the_database`]: every `diesel::table!` of
//!   `schema.rs` (parsed as text) has the database's tables, columns, SQL
//!   type family, nullability and primary key; on PostgreSQL the integer
//!   width too (`SmallInt`/`Integer`/`BigInt` ↔ int2/int4/int8).
//! - [`migrations_revert_cleanly_and_reapply`]: up, every `down.sql` newest
//!   first, nothing of ours left, up again, the same schema.
//! - [`seed_is_one_copy`] / [`seeded_rows_are_the_same_on_both_backends`]:
//!   the seed migration is one generated text (scripts/gen_seed.py writes
//!   both trees), and every row the migrations insert is the same on both
//!   backends.
//!
//! Types are compared by family, because the trees differ on purpose where
//! the engines do: a SQLite rowid key is `INTEGER PRIMARY KEY`, PostgreSQL's
//! is `BIGINT … IDENTITY`; a primary-key column counts as NOT NULL on both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Integer, Nullable, Text};
use qibao_db::testing::TestDb;
use qibao_db::{DbConn, Pool};

/// The declarations checked by [`schema_rs_matches_the_database`].
const SCHEMA_RS: &str = include_str!("../src/schema.rs");
/// The committed rendering of the migrated schema.
const SNAPSHOT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema-snapshot.txt");
/// Set to rewrite the snapshot instead of comparing with it.
const UPDATE_VAR: &str = "QIBAO_UPDATE_SNAPSHOT";
/// diesel's own bookkeeping table, not part of the schema.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

const SQLITE_SEED: &str = include_str!("../../migrations/sqlite/2026-11-27-000002_seed/up.sql");
const POSTGRES_SEED: &str = include_str!("../../migrations/postgres/2026-11-27-000002_seed/up.sql");

// ------------------------------------------------------------------ model

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    name: String,
    /// Normalised family: int, text, bool, date, timestamp, binary, …
    family: String,
    /// PostgreSQL only: the diesel integer type the width calls for.
    int_width: Option<&'static str>,
    nullable: bool,
    /// Whether an insert may leave it out: a declared default (its text is
    /// engine-specific, so only its presence is compared). Identity and
    /// rowid keys count as no default.
    has_default: bool,
    /// Computed by the database from other columns (`GENERATED ALWAYS AS`,
    /// stored on PostgreSQL, virtual on SQLite): never written.
    generated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ForeignKey {
    columns: Vec<String>,
    references: String,
    /// Empty in SQLite when the reference names no columns: resolved to the
    /// referenced primary key in [`resolve_foreign_keys`].
    ref_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Index {
    name: String,
    columns: Vec<String>,
    unique: bool,
    /// Normalised loosely ([`normalise_predicate`]).
    predicate: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Table {
    columns: Vec<Column>,
    primary_key: Vec<String>,
    indexes: Vec<Index>,
    foreign_keys: Vec<ForeignKey>,
}

/// Table name → table, our tables only.
type Schema = BTreeMap<String, Table>;

/// The type family of a declared SQL type of either engine.
fn family(declared: &str) -> String {
    let t = declared.trim().to_ascii_lowercase();
    let t = t.split('(').next().unwrap_or("").trim().to_owned();
    let f = match t.as_str() {
        "integer" | "int" | "bigint" | "smallint" | "int2" | "int4" | "int8" => "int",
        "text" | "varchar" | "character varying" | "char" | "character" => "text",
        "boolean" | "bool" => "bool",
        "date" => "date",
        "timestamp" | "timestamp without time zone" | "datetime" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "blob" | "bytea" => "binary",
        "real" | "double precision" | "float" | "float4" | "float8" => "float",
        "numeric" | "decimal" => "numeric",
        _ => return t,
    };
    f.to_owned()
}

/// A partial-index predicate, loosely: lower case, no casts (`::text`), no
/// parentheses, single spaces; `x = true` is `x`. PostgreSQL's
/// `((status)::text = 'active'::text)` and SQLite's `status = 'active'`
/// both become `status = 'active'`.
fn normalise_predicate(p: &str) -> String {
    let lower = p.to_lowercase();
    let mut out = String::new();
    let mut chars = lower.chars().peekable();
    let mut in_quote = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_quote = !in_quote;
            out.push(c);
        } else if in_quote {
            out.push(c);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                chars.next();
            }
        } else if c == '(' || c == ')' || c == '"' {
        } else if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    let out = out.trim().replace(" = true", "").replace(" = 1", "");
    out.trim().to_owned()
}

/// One fact per line, so that a difference reads as lines only on one side.
fn render(schema: &Schema) -> String {
    let mut out = String::from(
        "# The migrated schema, normalised; written by db/tests/schema.rs \
         (QIBAO_UPDATE_SNAPSHOT=1), never by hand.\n",
    );
    for (name, table) in schema {
        writeln!(out, "table {name}").unwrap();
        for c in &table.columns {
            let null = if c.nullable { "null" } else { "not null" };
            let default = if c.has_default { " default" } else { "" };
            let generated = if c.generated { " generated" } else { "" };
            writeln!(
                out,
                "  {name}.{} {} {null}{default}{generated}",
                c.name, c.family
            )
            .unwrap();
        }
        writeln!(
            out,
            "  {name} primary key ({})",
            table.primary_key.join(", ")
        )
        .unwrap();
        for i in &table.indexes {
            let unique = if i.unique { "unique index" } else { "index" };
            write!(
                out,
                "  {name} {unique} {} ({})",
                i.name,
                i.columns.join(", ")
            )
            .unwrap();
            if let Some(p) = &i.predicate {
                write!(out, " where {p}").unwrap();
            }
            out.push('\n');
        }
        for fk in &table.foreign_keys {
            writeln!(
                out,
                "  {name} foreign key ({}) references {} ({})",
                fk.columns.join(", "),
                fk.references,
                fk.ref_columns.join(", ")
            )
            .unwrap();
        }
    }
    out
}

/// SQLite's `REFERENCES t` without columns means t's primary key.
fn resolve_foreign_keys(schema: &mut Schema) {
    let keys: BTreeMap<String, Vec<String>> = schema
        .iter()
        .map(|(n, t)| (n.clone(), t.primary_key.clone()))
        .collect();
    for table in schema.values_mut() {
        for fk in &mut table.foreign_keys {
            if fk.ref_columns.iter().all(String::is_empty) {
                fk.ref_columns = keys.get(&fk.references).cloned().unwrap_or_default();
            }
        }
        table.foreign_keys.sort();
    }
}

/// The lines only in `a` and only in `b`, or `None` when the texts have the
/// same lines.
fn line_diff(a_label: &str, a: &str, b_label: &str, b: &str) -> Option<String> {
    let a_lines: BTreeSet<&str> = a.lines().map(str::trim).collect();
    let b_lines: BTreeSet<&str> = b.lines().map(str::trim).collect();
    let mut out = String::new();
    for l in a_lines.difference(&b_lines) {
        writeln!(out, "  only in {a_label}: {l}").unwrap();
    }
    for l in b_lines.difference(&a_lines) {
        writeln!(out, "  only in {b_label}: {l}").unwrap();
    }
    if out.is_empty() && a != b {
        out.push_str("  the same lines in another order (column order?)\n");
    }
    (!out.is_empty()).then_some(out)
}

// ---------------------------------------------------------- introspection

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
    #[diesel(sql_type = Nullable<Text>)]
    dflt: Option<String>,
    /// `table_xinfo`'s hidden: 2 virtual, 3 stored generated column.
    #[diesel(sql_type = Integer)]
    hidden: i32,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    col: String,
    #[diesel(sql_type = Nullable<Text>)]
    ref_col: Option<String>,
}

#[derive(QueryableByName)]
struct PgForeignKey {
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    cols: String,
    #[diesel(sql_type = Text)]
    ref_cols: String,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    uniq: i32,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct OptText {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = Text)]
    udt: String,
    #[diesel(sql_type = Text)]
    nullable: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    has_default: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    generated: bool,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    uniq: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pk: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pred: Option<String>,
    #[diesel(sql_type = Text)]
    cols: String,
}

/// The `WHERE` clause of a `CREATE INDEX` statement, if any.
fn where_clause(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let at = upper.rfind(" WHERE ").or_else(|| upper.rfind("\nWHERE "))?;
    Some(sql[at + 7..].trim().trim_end_matches(';').to_owned())
}

fn introspect(pool: &Pool) -> Schema {
    let mut conn = pool.get().unwrap();
    match &mut *conn {
        DbConn::Sqlite(c) => introspect_sqlite(c),
        DbConn::Pg(c) => introspect_pg(c),
    }
}

fn introspect_sqlite(c: &mut SqliteConnection) -> Schema {
    let tables: Vec<NameRow> = sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?",
    )
    .bind::<Text, _>(MIGRATIONS_TABLE)
    .load(c)
    .unwrap();
    let mut schema = Schema::new();
    for NameRow { name: table } in tables {
        let cols: Vec<SqliteColumn> = sql_query(
            "SELECT name, type AS ty, \"notnull\" AS not_null, pk, dflt_value AS dflt, hidden \
             FROM pragma_table_xinfo(?) ORDER BY cid",
        )
        .bind::<Text, _>(&table)
        .load(c)
        .unwrap();
        let mut pk: Vec<(i32, String)> = cols
            .iter()
            .filter(|col| col.pk > 0)
            .map(|col| (col.pk, col.name.clone()))
            .collect();
        pk.sort();
        let columns = cols
            .iter()
            .map(|col| Column {
                name: col.name.clone(),
                family: family(&col.ty),
                int_width: None,
                nullable: col.not_null == 0 && col.pk == 0,
                has_default: col.dflt.is_some(),
                generated: matches!(col.hidden, 2 | 3),
            })
            .collect();
        let list: Vec<SqliteIndex> =
            sql_query("SELECT name, \"unique\" AS uniq, origin FROM pragma_index_list(?)")
                .bind::<Text, _>(&table)
                .load(c)
                .unwrap();
        let mut indexes = Vec::new();
        for ix in list.into_iter().filter(|ix| ix.origin != "pk") {
            let columns: Vec<String> =
                sql_query("SELECT name AS value FROM pragma_index_info(?) ORDER BY seqno")
                    .bind::<Text, _>(&ix.name)
                    .load::<OptText>(c)
                    .unwrap()
                    .into_iter()
                    .map(|r| r.value.unwrap_or_else(|| "<expression>".to_owned()))
                    .collect();
            let sql: Option<String> = sql_query(
                "SELECT sql AS value FROM sqlite_master WHERE type = 'index' AND name = ?",
            )
            .bind::<Text, _>(&ix.name)
            .get_result::<OptText>(c)
            .unwrap()
            .value;
            // An inline UNIQUE constraint: PostgreSQL's default name.
            let name = if ix.origin == "u" {
                format!("{table}_{}_key", columns.join("_"))
            } else {
                ix.name
            };
            indexes.push(Index {
                name,
                columns,
                unique: ix.uniq != 0,
                predicate: sql
                    .as_deref()
                    .and_then(where_clause)
                    .map(|p| normalise_predicate(&p)),
            });
        }
        indexes.sort_by(|a, b| a.name.cmp(&b.name));
        let fk_rows: Vec<SqliteForeignKey> = sql_query(
            "SELECT id, \"table\" AS ref_table, \"from\" AS col, \"to\" AS ref_col \
             FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        )
        .bind::<Text, _>(&table)
        .load(c)
        .unwrap();
        let mut foreign_keys: Vec<ForeignKey> = Vec::new();
        let mut last_id = None;
        for r in fk_rows {
            if last_id != Some(r.id) {
                last_id = Some(r.id);
                foreign_keys.push(ForeignKey {
                    columns: Vec::new(),
                    references: r.ref_table.clone(),
                    ref_columns: Vec::new(),
                });
            }
            if let Some(fk) = foreign_keys.last_mut() {
                fk.columns.push(r.col);
                fk.ref_columns.push(r.ref_col.unwrap_or_default());
            }
        }
        schema.insert(
            table,
            Table {
                columns,
                primary_key: pk.into_iter().map(|(_, n)| n).collect(),
                indexes,
                foreign_keys,
            },
        );
    }
    resolve_foreign_keys(&mut schema);
    schema
}

fn introspect_pg(c: &mut PgConnection) -> Schema {
    let tables: Vec<NameRow> = sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> $1",
    )
    .bind::<Text, _>(MIGRATIONS_TABLE)
    .load(c)
    .unwrap();
    let mut schema = Schema::new();
    for NameRow { name: table } in tables {
        let cols: Vec<PgColumn> = sql_query(
            "SELECT column_name::text AS name, data_type::text AS ty, udt_name::text AS udt, \
                    is_nullable::text AS nullable, \
                    (column_default IS NOT NULL) AS has_default, \
                    (is_generated = 'ALWAYS') AS generated \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind::<Text, _>(&table)
        .load(c)
        .unwrap();
        let columns = cols
            .iter()
            .map(|col| Column {
                name: col.name.clone(),
                family: family(&col.ty),
                int_width: match col.udt.as_str() {
                    "int2" => Some("SmallInt"),
                    "int4" => Some("Integer"),
                    "int8" => Some("BigInt"),
                    _ => None,
                },
                nullable: col.nullable == "YES",
                has_default: col.has_default,
                generated: col.generated,
            })
            .collect();
        let list: Vec<PgIndex> = sql_query(
            "SELECT i.relname::text AS name, ix.indisunique AS uniq, ix.indisprimary AS pk, \
                    pg_get_expr(ix.indpred, ix.indrelid) AS pred, \
                    array_to_string(ARRAY( \
                        SELECT COALESCE(a.attname::text, '<expression>') \
                        FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                        LEFT JOIN pg_attribute a \
                          ON a.attrelid = ix.indrelid AND a.attnum = k.attnum AND k.attnum > 0 \
                        ORDER BY k.ord), ',') AS cols \
             FROM pg_index ix \
             JOIN pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND t.relname = $1",
        )
        .bind::<Text, _>(&table)
        .load(c)
        .unwrap();
        let mut primary_key = Vec::new();
        let mut indexes = Vec::new();
        for ix in list {
            let columns: Vec<String> = ix.cols.split(',').map(str::to_owned).collect();
            if ix.pk {
                primary_key = columns;
                continue;
            }
            indexes.push(Index {
                name: ix.name,
                columns,
                unique: ix.uniq,
                predicate: ix.pred.as_deref().map(normalise_predicate),
            });
        }
        indexes.sort_by(|a, b| a.name.cmp(&b.name));
        let foreign_keys = sql_query(
            "SELECT r.relname::text AS ref_table, \
                    array_to_string(ARRAY( \
                        SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(n, o) \
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n \
                        ORDER BY k.o), ',') AS cols, \
                    array_to_string(ARRAY( \
                        SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(n, o) \
                        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n \
                        ORDER BY k.o), ',') AS ref_cols \
             FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid \
             JOIN pg_class r ON r.oid = c.confrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE c.contype = 'f' AND n.nspname = 'public' AND t.relname = $1",
        )
        .bind::<Text, _>(&table)
        .load::<PgForeignKey>(c)
        .unwrap()
        .into_iter()
        .map(|r| ForeignKey {
            columns: r.cols.split(',').map(str::to_owned).collect(),
            references: r.ref_table,
            ref_columns: r.ref_cols.split(',').map(str::to_owned).collect(),
        })
        .collect();
        schema.insert(
            table,
            Table {
                columns,
                primary_key,
                indexes,
                foreign_keys,
            },
        );
    }
    resolve_foreign_keys(&mut schema);
    schema
}

/// Everything of ours left in the database (tables, indexes, sequences,
/// views, triggers; on PostgreSQL also functions and types).
fn leftovers(pool: &Pool) -> Vec<String> {
    let mut conn = pool.get().unwrap();
    let rows: Vec<NameRow> = match &mut *conn {
        DbConn::Sqlite(c) => sql_query(
            "SELECT type || ' ' || name AS name FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?",
        )
        .bind::<Text, _>(MIGRATIONS_TABLE)
        .load(c)
        .unwrap(),
        DbConn::Pg(c) => sql_query(
            "SELECT 'relation ' || c.relname::text AS name FROM pg_class c \
               JOIN pg_namespace n ON n.oid = c.relnamespace \
              WHERE n.nspname = 'public' AND c.relname::text NOT LIKE $1 || '%' \
             UNION ALL \
             SELECT 'function ' || p.proname::text FROM pg_proc p \
               JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' \
             UNION ALL \
             SELECT 'type ' || t.typname::text FROM pg_type t \
               JOIN pg_namespace n ON n.oid = t.typnamespace \
              WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')",
        )
        .bind::<Text, _>(MIGRATIONS_TABLE)
        .load(c)
        .unwrap(),
    };
    rows.into_iter().map(|r| r.name).collect()
}

// --------------------------------------------------------------- schema.rs

#[derive(Debug)]
struct Declared {
    primary_key: Vec<String>,
    /// (column, diesel type without `Nullable`, nullable), in order.
    columns: Vec<(String, String, bool)>,
}

/// The `diesel::table!` blocks of `schema.rs`, read as text.
fn parse_schema_rs(src: &str) -> BTreeMap<String, Declared> {
    let mut out = BTreeMap::new();
    let mut lines = src.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "diesel::table! {" {
            continue;
        }
        let head = lines
            .by_ref()
            .find(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("#["))
            .expect("a table! block has a head");
        let (name, rest) = head.split_once('(').expect("table! head: name (pk) {");
        let pk = rest.split_once(')').expect("table! head: name (pk) {").0;
        let mut columns = Vec::new();
        for l in lines.by_ref() {
            if l == "}" {
                break;
            }
            let Some((col, ty)) = l.split_once("->") else {
                continue;
            };
            let col = col.trim().trim_start_matches("r#").to_owned();
            let ty = ty.trim().trim_end_matches(',').trim();
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>').trim(), true),
                None => (ty, false),
            };
            columns.push((col, ty.to_owned(), nullable));
        }
        out.insert(
            name.trim().to_owned(),
            Declared {
                primary_key: pk.split(',').map(|c| c.trim().to_owned()).collect(),
                columns,
            },
        );
    }
    out
}

/// The type family of a diesel SQL type.
fn diesel_family(ty: &str) -> &str {
    match ty {
        "BigInt" | "Integer" | "SmallInt" | "Int8" | "Int4" | "Int2" => "int",
        "Text" | "VarChar" => "text",
        "Bool" => "bool",
        "Date" => "date",
        "Timestamp" => "timestamp",
        "Timestamptz" => "timestamptz",
        "Binary" | "Bytea" | "Blob" => "binary",
        "Float" | "Double" | "Float4" | "Float8" => "float",
        "Numeric" => "numeric",
        other => other,
    }
}

/// Every difference between `schema.rs` and the migrated database.
fn schema_rs_differences(declared: &BTreeMap<String, Declared>, db: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for name in db.keys().filter(|t| !declared.contains_key(*t)) {
        out.push(format!(
            "table {name} is in the database but not declared in schema.rs"
        ));
    }
    for name in declared.keys().filter(|t| !db.contains_key(*t)) {
        out.push(format!(
            "table {name} is declared in schema.rs but no migration creates it"
        ));
    }
    for (name, decl) in declared {
        let Some(table) = db.get(name) else { continue };
        if decl.primary_key != table.primary_key {
            out.push(format!(
                "{name}: schema.rs primary key ({}), database ({})",
                decl.primary_key.join(", "),
                table.primary_key.join(", ")
            ));
        }
        let db_cols: BTreeMap<&str, &Column> =
            table.columns.iter().map(|c| (c.name.as_str(), c)).collect();
        let decl_names: BTreeSet<&str> = decl.columns.iter().map(|(c, _, _)| c.as_str()).collect();
        for c in db_cols.keys().filter(|c| !decl_names.contains(*c)) {
            out.push(format!(
                "{name}.{c} is in the database but not in schema.rs"
            ));
        }
        for (col, ty, nullable) in &decl.columns {
            let Some(c) = db_cols.get(col.as_str()) else {
                out.push(format!(
                    "{name}.{col} is in schema.rs but not in the database"
                ));
                continue;
            };
            if diesel_family(ty) != c.family {
                out.push(format!(
                    "{name}.{col}: schema.rs says {ty}, the database has a {} column",
                    c.family
                ));
            } else if let Some(width) = c.int_width
                && width != ty
            {
                out.push(format!(
                    "{name}.{col}: schema.rs says {ty}, PostgreSQL stores it as {width}"
                ));
            }
            if *nullable != c.nullable {
                let (s, d) = if *nullable {
                    ("Nullable", "NOT NULL")
                } else {
                    ("not Nullable", "nullable")
                };
                out.push(format!(
                    "{name}.{col}: {s} in schema.rs, {d} in the database"
                ));
            }
        }
    }
    out
}

// ------------------------------------------------------------------ tests

fn migrated(db: &TestDb) -> Pool {
    db.pool()
}

/// A fresh SQLite database and, if configured, a fresh PostgreSQL one.
fn each_backend(test: impl Fn(&str, &TestDb)) {
    test("SQLite", &TestDb::sqlite());
    if let Some(url) = TestDb::server_url() {
        test("PostgreSQL", &TestDb::postgres(&url));
    }
}

#[test]
fn sqlite_schema_matches_snapshot() {
    let db = TestDb::sqlite();
    let rendered = render(&introspect(&migrated(&db)));
    if std::env::var_os(UPDATE_VAR).is_some() {
        std::fs::write(SNAPSHOT_PATH, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT_PATH).unwrap_or_default();
    if let Some(diff) = line_diff(
        "the migrated SQLite database",
        &rendered,
        "db/schema-snapshot.txt",
        &committed,
    ) {
        panic!(
            "the migrated schema differs from db/schema-snapshot.txt:\n{diff}\
             If the change is intended (a new migration, in both trees), rewrite the snapshot \
             with `QIBAO_UPDATE_SNAPSHOT=1 cargo nextest run -p qibao-db --test schema`, \
             check the PostgreSQL tree with QIBAO_TEST_DATABASE_URL set, and commit the snapshot."
        );
    }
}

#[test]
fn postgres_schema_matches_sqlite() {
    let Some(url) = TestDb::server_url() else {
        eprintln!("QIBAO_TEST_DATABASE_URL is not set: PostgreSQL compared via the snapshot only");
        return;
    };
    let (sqlite, pg) = (TestDb::sqlite(), TestDb::postgres(&url));
    let s = render(&introspect(&migrated(&sqlite)));
    let p = render(&introspect(&migrated(&pg)));
    if let Some(diff) = line_diff("SQLite", &s, "PostgreSQL", &p) {
        panic!(
            "migrations/sqlite and migrations/postgres build different schemas:\n{diff}\
             Make them agree with a new migration of the same folder name in both trees \
             (never by editing an applied one)."
        );
    }
}

#[test]
fn schema_rs_matches_the_database() {
    let declared = parse_schema_rs(SCHEMA_RS);
    assert!(
        declared.len() > 40,
        "schema.rs was not parsed: {declared:?}"
    );
    each_backend(|backend, db| {
        let diffs = schema_rs_differences(&declared, &introspect(&migrated(db)));
        assert!(
            diffs.is_empty(),
            "db/src/schema.rs disagrees with the migrated {backend} database:\n  {}\n\
             Declare every table in db/src/schema.rs exactly as the migrations create it \
             (or add a migration pair when the database is what is wrong).",
            diffs.join("\n  ")
        );
    });
}

#[test]
fn migrations_revert_cleanly_and_reapply() {
    each_backend(|backend, db| {
        let pool = migrated(db);
        let first = introspect(&pool);
        let reverted = pool
            .revert_all_migrations()
            .unwrap_or_else(|e| panic!("{backend}: a down.sql fails: {e}"));
        let tree = if backend == "SQLite" {
            "sqlite"
        } else {
            "postgres"
        };
        let folders = std::fs::read_dir(format!(
            "{}/../migrations/{tree}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().join("up.sql").is_file()))
        .count();
        assert_eq!(
            reverted.len(),
            folders,
            "{backend}: not every migration was reverted: {reverted:?}"
        );
        let left = leftovers(&pool);
        assert!(
            left.is_empty(),
            "{backend}: after every down.sql these are left: {left:?}; \
             drop them in the down.sql of the migration that creates them"
        );
        let reapplied = pool.run_migrations().unwrap();
        assert_eq!(
            reapplied.len(),
            reverted.len(),
            "{backend}: not every migration re-ran"
        );
        let second = introspect(&pool);
        if let Some(diff) = line_diff(
            "first up",
            &render(&first),
            "up after down",
            &render(&second),
        ) {
            panic!("{backend}: the schema after down and up differs:\n{diff}");
        }
    });
}

#[test]
fn seed_is_one_copy() {
    assert!(
        SQLITE_SEED == POSTGRES_SEED,
        "the seed migrations of the two trees differ; both are written by \
         scripts/gen_seed.py: edit the script and rerun it, never one file"
    );
}

/// Every row of every table as JSON text, sorted, without the timestamp
/// columns (their defaults are "now") and binary ones; booleans as 0/1.
fn all_rows(pool: &Pool, schema: &Schema) -> BTreeMap<String, Vec<String>> {
    let mut conn = pool.get().unwrap();
    let mut out = BTreeMap::new();
    for (name, table) in schema {
        let cols: Vec<String> = table
            .columns
            .iter()
            .filter(|c| !matches!(c.family.as_str(), "timestamp" | "timestamptz" | "binary"))
            .map(|c| format!("\"{}\"", c.name))
            .collect();
        let rows: Vec<NameRow> = match &mut *conn {
            DbConn::Sqlite(c) => sql_query(format!(
                "SELECT json_array({}) AS name FROM \"{name}\"",
                cols.join(", ")
            ))
            .load(c)
            .unwrap(),
            DbConn::Pg(c) => sql_query(format!(
                "SELECT json_build_array({})::text AS name FROM \"{name}\"",
                cols.join(", ")
            ))
            .load(c)
            .unwrap(),
        };
        let mut rows: Vec<String> = rows
            .into_iter()
            .map(|r| {
                let v: serde_json::Value = serde_json::from_str(&r.name).unwrap();
                let v = match v {
                    serde_json::Value::Array(items) => serde_json::Value::Array(
                        items
                            .into_iter()
                            .map(|i| match i {
                                serde_json::Value::Bool(b) => serde_json::Value::from(i64::from(b)),
                                other => other,
                            })
                            .collect(),
                    ),
                    other => other,
                };
                v.to_string()
            })
            .collect();
        rows.sort();
        out.insert(name.clone(), rows);
    }
    out
}

#[test]
fn seeded_rows_are_the_same_on_both_backends() {
    let Some(url) = TestDb::server_url() else {
        eprintln!("QIBAO_TEST_DATABASE_URL is not set: seed rows checked on SQLite only");
        return;
    };
    let (sqlite, pg) = (TestDb::sqlite(), TestDb::postgres(&url));
    let (sp, pp) = (migrated(&sqlite), migrated(&pg));
    let schema = introspect(&sp);
    let s = all_rows(&sp, &schema);
    let p = all_rows(&pp, &schema);
    assert!(
        s.values().map(Vec::len).sum::<usize>() > 100,
        "the seed inserted almost nothing: {s:?}"
    );
    let mut diffs = Vec::new();
    for (table, rows) in &s {
        if let Some(d) = line_diff(
            "SQLite",
            &rows.join("\n"),
            "PostgreSQL",
            &p[table].join("\n"),
        ) {
            diffs.push(format!("{table}:\n{d}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "the migrations seed different rows on the two backends:\n{}",
        diffs.join("")
    );
}

// ------------------------------------------------- the checkers themselves

#[test]
fn predicates_of_both_engines_normalise_alike() {
    assert_eq!(
        normalise_predicate("((status)::text = 'active'::text)"),
        normalise_predicate("status = 'active'")
    );
    assert_eq!(
        normalise_predicate(
            "((kind = 'paid'::text) AND (outcome = 'accepted'::text) AND (reversed_by IS NULL))"
        ),
        "kind = 'paid' and outcome = 'accepted' and reversed_by is null"
    );
    assert_eq!(normalise_predicate("live = true"), "live");
    assert_eq!(normalise_predicate("(status = 'A  B')"), "status = 'a  b'");
    assert_eq!(
        where_clause("CREATE UNIQUE INDEX x ON t (a)\n    WHERE live;").as_deref(),
        Some("live")
    );
}

#[test]
fn schema_rs_differences_are_named() {
    let declared = parse_schema_rs(
        "diesel::table! {\n    t (id) {\n        id -> BigInt,\n        a -> Nullable<Text>,\n        \
         b -> Integer,\n        c -> Text,\n    }\n}\n",
    );
    let col = |name: &str, family: &str, nullable: bool| Column {
        name: name.to_owned(),
        family: family.to_owned(),
        int_width: None,
        nullable,
        has_default: false,
        generated: false,
    };
    let mut db = Schema::new();
    db.insert(
        "t".to_owned(),
        Table {
            columns: vec![
                col("id", "int", false),
                col("a", "text", false),
                col("b", "text", false),
                col("d", "int", true),
            ],
            primary_key: vec!["id".to_owned()],
            ..Table::default()
        },
    );
    db.insert("u".to_owned(), Table::default());
    let diffs = schema_rs_differences(&declared, &db);
    assert_eq!(
        diffs,
        [
            "table u is in the database but not declared in schema.rs",
            "t.d is in the database but not in schema.rs",
            "t.a: Nullable in schema.rs, NOT NULL in the database",
            "t.b: schema.rs says Integer, the database has a text column",
            "t.c is in schema.rs but not in the database",
        ]
    );
}

#[test]
fn line_diff_names_each_side() {
    assert_eq!(
        line_diff("A", "x\ny", "B", "y\nx"),
        Some("  the same lines in another order (column order?)\n".to_owned())
    );
    assert_eq!(
        line_diff("A", "x\ny", "B", "x\nz"),
        Some("  only in A: y\n  only in B: z\n".to_owned())
    );
    assert_eq!(line_diff("A", "x", "B", "x"), None);
}
