"""The Spark engine: the lake's views on Apache Spark, and one connection object that runs DuckDB SQL there.

Every stage after ingest talks to its engine through a small connection interface: ``execute`` (one
or more statements, optional ``?`` parameters), ``sql(...).to_arrow_table()``, ``fetchall``,
``register``/``unregister`` of Arrow tables, ``executemany`` and ``close`` — the subset of DuckDB's
connection that the pipeline uses. ``SparkConnection`` offers the same methods and runs every
statement on Spark after transpiling it from DuckDB SQL with sqlglot (``to_spark_sql``), so the rule
files, assess/views.py and any new SQL are written once, in DuckDB SQL, and run on both engines.

How DuckDB statements map to Spark:
    CREATE [OR REPLACE] TABLE t AS q       q runs on Spark, is materialised (local checkpoint) and named t
    CREATE [OR REPLACE] TABLE t (cols)     an empty table of that schema
    CREATE [OR REPLACE] [TEMP] VIEW v AS q a temporary view
    INSERT INTO t [(cols)] q | VALUES ...  t is replaced by t UNION ALL the new rows (materialised)
    CREATE [OR REPLACE] [TEMP] MACRO f(a) AS e   a macro expanded in every later statement; an engine-specific
                                           definition in SPARK_MACROS takes its place when there is one
    SET ...                                DuckDB settings: ignored
    anything else                          transpiled and run as a query

Functions DuckDB has and Spark lacks are rewritten in the syntax tree (``_spark_rewrites``) or registered
in the session (``strip_accents``), once, here.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.tokenizer_core import TokenType
from sqlglot.tokens import Tokenizer

from safeguarding.config import ConfigError, Settings, parse_spark_conf
from safeguarding.contract.model import SQL_TYPES, ident
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.lake.store import Lake

log = logging.getLogger(__name__)

# Engine-specific macro bodies, written in Spark SQL, that replace the DuckDB definition of the same name.
# age_years: whole years from dob to the date of t (DuckDB: date_diff('year') less one before the birthday).
SPARK_MACROS: dict[str, tuple[tuple[str, ...], str]] = {
    "age_years": (
        ("dob", "t"),
        "CASE WHEN dob IS NULL OR t IS NULL THEN NULL"
        " ELSE year(CAST(t AS DATE)) - year(dob)"
        " - CASE WHEN date_format(CAST(t AS DATE), 'MMdd') < date_format(dob, 'MMdd') THEN 1 ELSE 0 END END",
    ),
}

_MACRO = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_SPARK_TYPES = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "DATE": "DATE",
                "TIMESTAMPTZ": "TIMESTAMP", "BOOLEAN": "BOOLEAN"}  # fmt: skip
LINEAGE_SPARK = "_load_id STRING, _source_file STRING, _line BIGINT, _row_hash STRING"


class SparkSQLError(RuntimeError):
    """A statement Spark refused; the message holds the DuckDB statement and the Spark SQL it became."""


def split_statements(script: str) -> list[str]:
    """The statements of a script, split at top-level semicolons (not those inside strings)."""
    tokens = Tokenizer().tokenize(script)
    out, start = [], 0
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            out.append(script[start : tok.start])
            start = tok.end + 1
    out.append(script[start:])
    return [s.strip() for s in out if s.strip()]


def _parse(sql: str, dialect: str) -> exp.Expression:
    return cast(exp.Expression, sqlglot.parse_one(sql, read=dialect))


@dataclass(frozen=True)
class Macro:
    params: tuple[str, ...]
    body: exp.Expression


def _expand_macros(tree: exp.Expression, macros: dict[str, Macro]) -> exp.Expression:
    for _ in range(10):  # macros may call macros
        calls = [n for n in tree.find_all(exp.Anonymous) if str(n.name).lower() in macros]
        if not calls:
            return tree
        for call in calls:
            macro = macros[str(call.name).lower()]
            args = dict(zip(macro.params, call.expressions, strict=True))

            def substitute(node: exp.Expression, args: dict[str, exp.Expression] = args) -> exp.Expression:
                if isinstance(node, exp.Column) and not node.table and node.name in args:
                    return args[node.name].copy()
                return node

            replacement = exp.Paren(this=macro.body.copy().transform(substitute))
            if call is tree:
                tree = replacement
            else:
                call.replace(replacement)
    raise SparkSQLError("macros nest more than 10 deep")


# DuckDB function -> the Spark function of the same meaning, where sqlglot keeps the DuckDB name.
RENAMED = {"epoch_us": "UNIX_MICROS", "epoch_ms": "UNIX_MILLIS"}


def _spark_rewrites(node: exp.Expression) -> exp.Expression:
    """DuckDB functions whose Spark spelling sqlglot does not produce (or produces with other semantics)."""
    if (
        isinstance(node, exp.AtTimeZone)
        and isinstance(node.this, exp.Cast)
        and node.this.to.this in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ)
    ):
        # DuckDB: a wall-clock TIMESTAMP AT TIME ZONE z is the instant that wall-clock time is in z (assess/clocks
        # sql.from_local). sqlglot writes FROM_UTC_TIMESTAMP, the opposite direction; Spark's is TO_UTC_TIMESTAMP.
        return exp.Anonymous(this="TO_UTC_TIMESTAMP", expressions=[node.this.this, node.args["zone"]])
    if isinstance(node, exp.DayOfWeekIso):
        # ISO weekday, Monday 1 .. Sunday 7. sqlglot writes (DAYOFWEEK(x) % 7) + 1, which is Sunday-based and wrong
        # (a Thursday comes out 6); Spark's DAYOFWEEK is Sunday 1 .. Saturday 7.
        day = exp.Anonymous(this="DAYOFWEEK", expressions=[node.this.transform(_spark_rewrites)])
        shifted = exp.Mod(this=exp.Paren(this=exp.Add(this=day, expression=exp.Literal.number(5))),
                          expression=exp.Literal.number(7))  # fmt: skip
        return exp.Paren(this=exp.Add(this=exp.Paren(this=shifted), expression=exp.Literal.number(1)))
    if isinstance(node, exp.Anonymous) and str(node.name).lower() in RENAMED:
        return exp.Anonymous(this=RENAMED[str(node.name).lower()], expressions=node.expressions)
    if isinstance(node, exp.Mode):
        # DuckDB's mode(x ORDER BY x) takes the lowest of tied values; Spark's mode(x, true) does the same.
        inner = node.this.this if isinstance(node.this, exp.Order) else node.this
        return exp.Anonymous(this="MODE", expressions=[inner, exp.true()])
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.GroupConcat):
        return _string_agg(node.this, node.expression)
    if isinstance(node, exp.GroupConcat):
        return _string_agg(node)
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1 and not node.expressions[0].is_string:
        # list[i] (1-based) is NULL past the end in DuckDB; Spark's arr[i] fails there, try_element_at does not.
        # sqlglot stores a literal index 0-based after parsing DuckDB (an expression index as written).
        index = node.expressions[0]
        if isinstance(index, exp.Literal) and index.is_int:
            index = exp.Literal.number(int(index.this) + 1)
        return exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[node.this, index])
    if isinstance(node, exp.TimeToUnix):
        # DuckDB's epoch() keeps fractions of a second; Spark's unix_timestamp() does not.
        micros = exp.Cast(
            this=exp.Anonymous(this="UNIX_MICROS", expressions=[node.this]), to=exp.DataType.build("DOUBLE")
        )
        return exp.Paren(this=exp.Div(this=micros, expression=exp.Literal.number(1000000)))
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        anchored = (
            exp.Literal.string(f"^(?:{pattern.this})$")
            if isinstance(pattern, exp.Literal)
            else exp.Concat(expressions=[exp.Literal.string("^(?:"), pattern, exp.Literal.string(")$")])
        )
        return exp.RegexpLike(this=node.this, expression=anchored)
    return node


def _string_agg(node: exp.GroupConcat, where: exp.Expression | None = None) -> exp.Expression:
    """string_agg([DISTINCT] x, sep [ORDER BY x]) as array_join(array_sort(collect_set|collect_list(x)), sep).

    Spark's LISTAGG ... WITHIN GROUP fails on DISTINCT with ORDER BY (Spark 4.3); ordering by another
    column than the value is left to LISTAGG.
    """
    inner, ordered = node.this, None
    if isinstance(inner, exp.Order):
        ordered = inner.expressions
        inner = inner.this
    distinct = isinstance(inner, exp.Distinct)
    value = inner.expressions[0] if distinct else inner
    if ordered and not (len(ordered) == 1 and ordered[0].this == value and not ordered[0].args.get("desc")):
        return node if where is None else exp.Filter(this=node, expression=where)
    collected: exp.Expression = exp.Anonymous(
        this="COLLECT_SET" if distinct else "COLLECT_LIST", expressions=[value.copy()]
    )
    if where is not None:  # string_agg(...) FILTER (WHERE ...): the filter goes on the collecting aggregate
        collected = exp.Filter(this=collected, expression=where)
    if ordered or distinct:
        collected = exp.Anonymous(this="ARRAY_SORT", expressions=[collected])
    separator = node.args.get("separator") or exp.Literal.string(",")
    joined = exp.Anonymous(this="ARRAY_JOIN", expressions=[collected, separator])
    # DuckDB's string_agg of no values is NULL; array_join of an empty array is ''.
    return exp.Nullif(this=joined, expression=exp.Literal.string(""))


def _literal(value: Any) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(repr(value) if isinstance(value, float) else value)
    if isinstance(value, datetime):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("TIMESTAMP"))
    if isinstance(value, date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    return exp.Literal.string(str(value))


def _bind(tree: exp.Expression, params: Sequence[Any]) -> exp.Expression:
    values = iter(params)

    def sub(node: exp.Expression) -> exp.Expression:
        return _literal(next(values)) if isinstance(node, exp.Placeholder) else node

    return tree.transform(sub)


def spark_session(settings: Settings | None = None) -> Any:
    """The process's Spark session (created on first use from the settings; later calls get the same one)."""
    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.sql import SparkSession
    except ImportError:
        # The runtime install (requirements.lock, `make install`) leaves PySpark out: it is the spark extra.
        raise ConfigError(
            "engine is spark (SAFEGUARDING_ENGINE) but PySpark is not installed: install the spark extra "
            "(pip install 'safeguarding[spark]', or `make dev`), or use the default engine, duckdb"
        ) from None

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    settings = settings or Settings()
    from splink.backends.spark import similarity_jar_location

    conf = SparkConf().setAppName("safeguarding").setMaster(settings.spark_master)
    conf.set("spark.ui.enabled", "false")
    conf.set("spark.ui.showConsoleProgress", "false")
    conf.set("spark.sql.session.timeZone", "UTC")
    conf.set("spark.sql.shuffle.partitions", "4")
    conf.set("spark.jars", similarity_jar_location())
    # Python workers (strip_accents) run this interpreter unless the options name another.
    conf.set("spark.pyspark.python", sys.executable)
    for key, value in parse_spark_conf(settings.spark_conf).items():
        conf.set(key, value)
    spark = SparkSession(SparkContext.getOrCreate(conf=conf))
    scratch = Path(settings.spark_scratch_dir) if settings.spark_scratch_dir else settings.data_dir / "spark-scratch"
    Path(scratch).mkdir(parents=True, exist_ok=True)
    spark.sparkContext.setCheckpointDir(str(Path(scratch).resolve()))
    spark.sparkContext.setLogLevel("ERROR")
    return spark


_FUNCTIONS_LOCK = threading.Lock()


def register_functions(spark: Any) -> None:
    """Put the Python functions the pipeline's SQL needs on the session (once): strip_accents, and DuckDB's
    Jaro-Winkler for linkage (linkage/jaro_winkler.py says why the jar's is not used)."""
    from pyspark import cloudpickle
    from pyspark.sql.types import DoubleType, StringType

    from safeguarding.linkage import jaro_winkler

    # Shipped to the executors by value, so they need only Python's standard library, not this package.
    cloudpickle.register_pickle_by_value(jaro_winkler)  # type: ignore[no-untyped-call]

    def strip_accents(text: str | None) -> str | None:
        # Defined here so that Spark ships it by value: executors need only Python's standard library.
        import unicodedata

        if text is None:
            return None
        kept = []
        for char in unicodedata.normalize("NFKD", text):  # a plain loop: no closure for the pickler
            if not unicodedata.combining(char):
                kept.append(char)
        return "".join(kept)

    with _FUNCTIONS_LOCK:
        have = {f.name for f in spark.catalog.listFunctions()}
        if "strip_accents" not in have:
            spark.udf.register("strip_accents", strip_accents, StringType())
        if jaro_winkler.SPARK_NAME not in have:
            spark.udf.register(jaro_winkler.SPARK_NAME, jaro_winkler.memoised(), DoubleType())


class SparkResult:
    """What ``execute``/``sql`` return: the rows of a query, as DuckDB's relation and cursor give them."""

    def __init__(self, df: Any | None) -> None:
        self.df = df
        self._rows: list[tuple[Any, ...]] | None = None

    def to_arrow_table(self) -> pa.Table:
        if self.df is None:
            return pa.table({})
        table: pa.Table = self.df.toArrow()
        return table

    arrow = to_arrow_table

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            table = self.to_arrow_table()
            columns = [c.to_pylist() for c in table.columns]
            self._rows = list(zip(*columns, strict=True)) if columns else []
        return self._rows

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    @property
    def description(self) -> list[tuple[str, ...]]:
        return [] if self.df is None else [(name,) for name in self.df.columns]


class SparkConnection:
    """A DuckDB-like connection whose statements run on Spark (see the module docstring)."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.macros: dict[str, Macro] = {}
        self.tables: dict[str, Any] = {}
        register_functions(spark)

    # --- translation -------------------------------------------------------------------------------
    def _define_macro(self, name: str, params: str, body: str) -> None:
        key = name.lower()
        if key in SPARK_MACROS:
            names, text = SPARK_MACROS[key]
            self.macros[key] = Macro(names, _parse(text, "spark"))
        else:
            names = tuple(p.strip() for p in params.split(",") if p.strip())
            self.macros[key] = Macro(names, _parse(body.strip().rstrip(";"), "duckdb"))

    def _prepare(self, tree: exp.Expression, params: Sequence[Any] | None = None) -> exp.Expression:
        tree = _expand_macros(tree, self.macros)
        if params:
            tree = _bind(tree, params)
        return tree.transform(_spark_rewrites)

    def to_spark_sql(self, sql: str, params: Sequence[Any] | None = None) -> str:
        """One DuckDB query as Spark SQL (macros expanded, parameters bound)."""
        tree = self._prepare(_parse(sql, "duckdb"), params)
        return tree.sql(dialect="spark")

    def _query(self, tree: exp.Expression, original: str) -> Any:
        text = tree.sql(dialect="spark")
        try:
            df = self.spark.sql(text)
        except Exception as exc:
            raise SparkSQLError(
                f"Spark refused a statement.\nDuckDB SQL:\n{original}\nSpark SQL:\n{text}\n{exc}"
            ) from exc
        # sqlglot rewrites QUALIFY (which Spark lacks) as a filter on a window column named _w; with
        # SELECT * that column would show, so it is dropped when the DuckDB query had no such column.
        if "_w" in df.columns and "_w" not in original:
            df = df.drop("_w")
        return df

    # --- tables --------------------------------------------------------------------------------------
    def _store(self, name: str, df: Any) -> None:
        materialised = df.localCheckpoint(eager=True)
        old = self.tables.pop(name, None)
        materialised.createOrReplaceTempView(name)
        self.tables[name] = materialised
        if old is not None:
            old.unpersist()

    def _empty(self, schema: exp.Schema) -> Any:
        cols = ", ".join(
            f"{exp.to_identifier(c.name).sql(dialect='spark')} {c.args['kind'].sql(dialect='spark')}"
            for c in schema.expressions
        )
        return self.spark.createDataFrame([], schema=cols)

    def _insert(self, node: exp.Insert, original: str) -> None:
        target = node.this
        columns: list[str] | None = None
        if isinstance(target, exp.Schema):
            columns = [c.name for c in target.expressions]
            target = target.this
        name = target.name
        existing = self.spark.table(name)
        new = self._query(node.expression, original)
        from pyspark.sql import functions as F

        names = columns or existing.columns[: len(new.columns)]
        new = new.toDF(*names)
        fields = {f.name: f.dataType for f in existing.schema.fields}
        new = new.select(
            [F.col(c).cast(fields[c]).alias(c) if c in names else F.lit(None).cast(fields[c]).alias(c) for c in fields]
        )
        self._store(name, existing.unionAll(new))

    def _statement(self, statement: str, params: Sequence[Any] | None) -> Any | None:
        macro = _MACRO.match(statement)
        if macro:
            self._define_macro(*macro.groups())
            return None
        tree = _parse(statement, "duckdb")
        if isinstance(tree, exp.Set | exp.Command | exp.Pragma):
            return None  # DuckDB settings (memory limit, time zone: Spark's is set on the session)
        tree = self._prepare(tree, params)
        if isinstance(tree, exp.Create) and str(tree.args.get("kind", "")).upper() in ("TABLE", "VIEW"):
            kind = str(tree.args["kind"]).upper()
            if isinstance(tree.this, exp.Schema) and tree.expression is None:
                self._store(tree.this.this.name, self._empty(tree.this))
                return None
            name = tree.this.name
            df = self._query(tree.expression, statement)
            if kind == "TABLE":
                self._store(name, df)
            else:
                old = self.tables.pop(name, None)
                df.createOrReplaceTempView(name)
                if old is not None:
                    old.unpersist()
            return None
        if isinstance(tree, exp.Drop):
            self.unregister(tree.this.name)
            return None
        if isinstance(tree, exp.Insert):
            self._insert(tree, statement)
            return None
        return self._query(tree, statement)

    # --- the DuckDB-like interface ------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> SparkResult:
        """Run each statement of ``sql``; the result is that of the last one."""
        last = None
        for statement in split_statements(sql):
            last = self._statement(statement, params)
        return SparkResult(last)

    def sql(self, sql: str) -> SparkResult:
        return self.execute(sql)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement per row of parameters; an INSERT ... VALUES becomes a single insert of every row."""
        rows = list(rows)
        if not rows:
            return
        tree = _parse(sql, "duckdb")
        if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Values):
            template = tree.expression.expressions[0]
            tuples = [_bind(template.copy(), row) for row in rows]
            tree.set("expression", exp.Values(expressions=tuples))
            prepared = self._prepare(tree)
            assert isinstance(prepared, exp.Insert)
            self._insert(prepared, sql)
            return
        for row in rows:
            self.execute(sql, row)

    def register(self, name: str, table: pa.Table) -> None:
        """An Arrow table as a temporary view called ``name``."""
        df = self.spark.createDataFrame(table) if table.num_columns else self.spark.createDataFrame([], "x INT")
        self._store(name, df)

    def unregister(self, name: str) -> None:
        old = self.tables.pop(name, None)
        self.spark.catalog.dropTempView(name)
        if old is not None:
            old.unpersist()

    def cursor(self) -> SparkConnection:
        return self

    def close(self) -> None:
        """Drop this connection's views and tables (the session stays up for the next connection)."""
        for name in list(self.tables):
            self.unregister(name)
        for view in self.spark.catalog.listTables():
            if view.isTemporary:
                self.spark.catalog.dropTempView(view.name)


def _empty_source(spark: Any, record_type: str) -> Any:
    rt = RECORD_TYPES[record_type]
    cols = [f"`{f.name}` {_SPARK_TYPES[SQL_TYPES[f.type]]}" for f in rt.fields]
    return spark.createDataFrame([], ", ".join(cols) + ", " + LINEAGE_SPARK)


class SparkEngine:
    """The lake's Parquet read by Spark, with the same ``<type>`` and ``<type>_versions`` views as DuckDB."""

    name = "spark"

    def __init__(self, lake: Lake, settings: Settings | None = None) -> None:
        self.lake = lake
        self.settings = settings

    def connect(self) -> Any:  # a SparkConnection: the DuckDB connection methods the pipeline uses
        spark = spark_session(self.settings)
        con = SparkConnection(spark)
        for rt in RECORD_TYPES.values():
            files = [str(p.resolve()) for p in self.lake.partition_files(rt.name)]
            df = _empty_source(spark, rt.name)
            if files:
                # Every field of the contract, even one added after these files were loaded (NULL there).
                df = df.unionByName(spark.read.option("mergeSchema", "true").parquet(*files), allowMissingColumns=True)
            df.createOrReplaceTempView(f"{rt.name}_versions")
            key = ", ".join(ident(k) for k in rt.key)
            con.execute(
                f"""CREATE OR REPLACE VIEW {rt.name} AS SELECT * FROM {rt.name}_versions
                    QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _load_id DESC, _line DESC) = 1"""
            )
        return con
