"""``frontdesk import``: an operator's own sites, staff and customers from CSV (issue 10).

Rows go through the same services as the GraphQL mutations: the same rules and codes, one
transaction per row (a rejected row writes nothing and stops nothing), a report of the rejected
rows, and a rejects file that imports cleanly once corrected.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from core.cli import app
from core.db import sync_url
from core.services.importing import BadFile, read_rows

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: str, status: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), terminal_width=200)
    output = ANSI.sub("", result.output)
    assert result.exit_code == status, f"{args} exited {result.exit_code}:\n{output}"
    return " ".join(output.split())


def rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'import.sqlite3'}"
    run("db", "upgrade", "--database-url", url)
    run("plugins", "enable", "realestate", "--database-url", url)
    return url


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_sites_staff_and_customers_import_with_a_report_of_rejected_rows(
    db: str, tmp_path: Path
) -> None:
    sites = write(
        tmp_path,
        "sites.csv",
        "\ufeffName,Business_Line,Timezone,Calendar_Region\n"  # a spreadsheet's BOM, any case
        "Harbour Sales Office,realestate,Asia/Shanghai,CN\n"
        "Nowhere Office,realestate,Mars/Olympus,CN\n"
        "Hill Sales Office,realestate,,\n",
    )
    out = run("import", "sites", str(sites), "--database-url", db, status=1)
    assert "sites: 2 imported, 1 rejected (of 3 rows in sites.csv)" in out
    assert re.search(r"3 .*INVALID_TIMEZONE .*Mars/Olympus", out), out
    # A blank time zone and calendar take the defaults.
    assert rows(db, "select name, timezone, calendar_region from sites order by id") == [
        ("Harbour Sales Office", "Asia/Shanghai", "CN"),
        ("Hill Sales Office", "Asia/Shanghai", "CN"),
    ]

    staff = write(
        tmp_path,
        "staff.csv",
        "site,name,role,phone\n"
        "Harbour Sales Office,Wang Fang,salesperson,13800138001\n"
        "Harbour Sales Office,Li Lei,sales_manager,\n"
        "Harbour Sales Office,Zhao Yun,juggler,\n"
        "Atlantis,Chen Jie,salesperson,\n"
        "\n"
        "Hill Sales Office,Sun Li,salesperson,\n",
    )
    rejects = tmp_path / "staff-rejected.csv"
    out = run(
        "import", "staff", str(staff), "--rejects", str(rejects), "--database-url", db, status=1
    )
    assert "staff: 3 imported, 2 rejected (of 5 rows in staff.csv)" in out
    assert re.search(r"4 .*UNKNOWN_ROLE", out) and re.search(r"5 .*SITE_NOT_FOUND", out), out
    assert rows(db, "select name, role, phone from staff order by id") == [
        ("Wang Fang", "salesperson", "+8613800138001"),  # normalised as the API does
        ("Li Lei", "sales_manager", None),
        ("Sun Li", "salesperson", None),
    ]
    with rejects.open(encoding="utf-8") as f:
        rejected = list(csv.DictReader(f))
    assert [(r["name"], r["line"], r["error_code"]) for r in rejected] == [
        ("Zhao Yun", "4", "UNKNOWN_ROLE"),
        ("Chen Jie", "5", "SITE_NOT_FOUND"),
    ]
    # Corrected, the rejects file imports as it is (its report columns are ignored).
    fixed = rejects.read_text(encoding="utf-8").replace("juggler", "salesperson")
    again = write(tmp_path, "staff-fixed.csv", fixed.replace("Atlantis", "Hill Sales Office"))
    assert "staff: 2 imported, 0 rejected" in run(
        "import", "staff", str(again), "--database-url", db
    )
    # Importing the same file again writes nothing twice.
    out = run("import", "staff", str(again), "--database-url", db, status=1)
    assert "0 imported, 2 rejected" in out and "STAFF_EXISTS" in out

    customers = write(
        tmp_path,
        "customers.csv",
        "site,name,phone,class,group_kind,group_name\n"
        "Harbour Sales Office,Zhou Min,13900139000,b,,\n"
        "Harbour Sales Office,Zhou Min's husband,13900139000,,,\n"
        "Harbour Sales Office,Qian Corp buyer,,,company,Qian Corp\n"
        "Harbour Sales Office,Half a group,,,company,\n"
        "Harbour Sales Office,Odd class,,Z,,\n",
    )
    out = run("import", "customers", str(customers), "--database-url", db, status=1)
    assert "customers: 2 imported, 3 rejected" in out
    assert re.search(r"3 .*CUSTOMER_EXISTS", out), out
    assert re.search(r"5 .*GROUP_INCOMPLETE", out) and re.search(r"6 .*BAD_USER_INPUT", out)
    assert rows(db, "select name, phone, customer_class from customers order by id") == [
        ("Zhou Min", "+8613900139000", "B"),
        ("Qian Corp buyer", None, "D"),
    ]


def test_a_file_with_the_wrong_columns_is_one_line_and_writes_nothing(
    db: str, tmp_path: Path
) -> None:
    bad = write(tmp_path, "c.csv", "site,name,mobile\nHarbour,Zhou,139\n")
    out = run("import", "customers", str(bad), "--database-url", db, status=2)
    assert out.startswith("BAD_IMPORT_FILE: customers files have the columns site, name")
    assert "unknown mobile" in out
    assert rows(db, "select count(*) from customers") == [(0,)]
    assert "unknown kind 'visits'" in run(
        "import", "visits", str(bad), "--database-url", db, status=2
    )


def test_read_rows_keeps_line_numbers_and_pads_short_rows() -> None:
    parsed = read_rows("staff", "site,name,role,phone\nA,B,salesperson\n\nC,D,clerk,1\n")
    assert parsed == [
        (2, {"site": "A", "name": "B", "role": "salesperson", "phone": ""}),
        (4, {"site": "C", "name": "D", "role": "clerk", "phone": "1"}),
    ]
    with pytest.raises(BadFile, match="lacks role"):
        read_rows("staff", "site,name\n")
    with pytest.raises(BadFile, match="empty"):
        read_rows("sites", "")
