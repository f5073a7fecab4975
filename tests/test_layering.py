"""Import directions of STYLE.md section 4, checked by parsing every module."""

import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parents[1] / "d2lmini"
# Bottom layer first; a module may import only modules listed before it.
ORDER = [
    "errors",
    "text",
    "missing",
    "device",
    "ops",
    "ops_array",
    "ops_math",
    "ops_shape",
    "optable",
    "autograd",
    "shapecodes",
    "ndarray",
    "arrayfuncs",
    "np.linalg",
    "np.random",
    "np.mathfuncs",
    "np.manipulation",
    "np",
    "npzread",
    "serialization",
    "npx",
    "nd",
    "init",
    "optimizer",
    "graph", "graphcheck", "graphfile", "compiler", "executor", "gluon.parameter",
    "gluon.paramdict",
    "gluon.legacy",
    "gluon.paramfiles",
    "gluon.blocktree",
    "gluon.block",
    "gluon.hybrid",
    "gluon.symbol",
    "gluon.nn",
    "gluon.loss",
    "gluon.trainer",
    "gluon.data",
    "gluon.utils",
    "gluon",
    "timing",
    "utils",
    "testing",
]
FORBIDDEN = {
    "ipywidgets",
    "IPython",
    "matplotlib",
    "graphviz",
    "widgets",
    "jupyter",
    "pickle",
}


def module_name(path):
    rel = path.relative_to(PKG).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def imports_of(path):
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.add(node.module)
                continue
            base = package[: len(package) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module:
                found.add("d2lmini." + target if target else "d2lmini")
            else:
                found.update(
                    f"d2lmini.{'.'.join(base + [a.name])}".replace("..", ".")
                    for a in node.names
                )
    return found


def test_every_module_is_placed():
    names = {module_name(p) for p in PKG.rglob("*.py")} - {""}
    assert names <= set(ORDER), f"add to ORDER: {sorted(names - set(ORDER))}"


def test_imports_point_down():
    for path in PKG.rglob("*.py"):
        name = module_name(path)
        if not name:
            continue
        for imported in imports_of(path):
            top = imported.split(".")[0]
            assert top not in FORBIDDEN, f"{name} imports {imported}"
            if top != "d2lmini":
                continue
            target = imported[len("d2lmini.") :]
            if target in ORDER and name in ORDER:
                assert ORDER.index(target) < ORDER.index(name), (
                    f"{name} imports {target}, which sits above it"
                )
