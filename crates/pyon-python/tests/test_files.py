"""store_file and load_file, as sipyco.pyon writes and reads files."""

import json
import os

import numpy as np
import pytest

from reference import ref_encode, same
from sipyco_rs import pyon

VALUE = {"scan": (1, 2.5, None), "data": np.arange(6.0).reshape(2, 3), 3: {1, 2}}


def test_store_file_writes_pretty_pyon_atomically(tmp_path):
    path = tmp_path / "datasets.pyon"
    path.write_text("old")
    pyon.store_file(str(path), VALUE)
    # json.dump(indent=4) with no trailing newline, and no temporary file left behind.
    assert path.read_text(encoding="utf-8") == ref_encode(VALUE, pretty=True)
    assert os.listdir(tmp_path) == ["datasets.pyon"]
    assert same(pyon.load_file(str(path)), VALUE)


def test_paths_may_be_path_objects(tmp_path):
    path = tmp_path / "x.pyon"
    pyon.store_file(path, [1, 2])
    assert pyon.load_file(path) == [1, 2]


def test_unencodable_values_leave_the_file_alone(tmp_path):
    path = tmp_path / "keep.pyon"
    path.write_text("[1]")
    with pytest.raises(TypeError):
        pyon.store_file(str(path), object())
    assert path.read_text() == "[1]"
    assert os.listdir(tmp_path) == ["keep.pyon"]


def test_file_errors_are_os_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        pyon.load_file(str(tmp_path / "missing.pyon"))
    with pytest.raises(FileNotFoundError):
        pyon.store_file(str(tmp_path / "no" / "dir.pyon"), 1)


def test_bad_files_raise_json_errors(tmp_path):
    path = tmp_path / "bad.pyon"
    path.write_text("{\n  'a': 1}")
    with pytest.raises(json.JSONDecodeError) as info:
        pyon.load_file(str(path))
    assert info.value.lineno == 2
