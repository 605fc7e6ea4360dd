"""The package installed non-editably (a wheel, as a hub image or `pip install .` makes it) finds its data."""

import subprocess
import sys
import sysconfig
import zipfile

import pytest

from course.paths import CHECKOUT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(CHECKOUT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return next(out.glob("kap_anxiety_course-*.whl"))


def test_the_wheel_carries_the_data_and_no_lessons(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    data = [n for n in names if "/share/kap-anxiety-course/datasets/" in n]
    assert any(n.endswith("datasets/patients.yaml") for n in data)
    assert any(n.endswith("datasets/schemas/patients.schema.json") for n in data)
    assert any(n.endswith("datasets/cases/capstone-tomasz.yaml") for n in data)
    assert not any("solutions/" in n or n.endswith("patient_designs.yaml") for n in names), "no instructor material"


def test_an_installed_copy_loads_patients_and_references(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    # The course's dependencies come from this environment (a path line in a .pth file, which does not run the
    # editable finder of this checkout); the course itself only from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    code = (
        "import course.paths as p, course.data.patients as d, course.data.references as r; "
        "print(p.datasets()); print(len(d.load_patients()), r.cite('spitzer2006'))"
    )
    out = subprocess.run([str(python), "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    folder, loaded = out.stdout.splitlines()
    assert folder == str(venv / "share" / "kap-anxiety-course" / "datasets")
    assert loaded == "20 Spitzer et al. 2006 [spitzer2006]"


def test_without_data_the_error_names_every_place_looked_in(tmp_path):
    code = (
        "import course.paths as p; p.CHECKOUT = p.Path('/nowhere'); p.INSTALLED_DATASETS = p.Path('/none'); "
        "p.datasets()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": "/usr/bin"})
    assert out.returncode != 0
    assert "The course's data folder was not found. Looked in: /nowhere/datasets, /none" in out.stderr
    assert "KAP_DATASETS" in out.stderr
