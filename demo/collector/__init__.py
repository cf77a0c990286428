"""A local OpenPanel-compatible collector: SQLite storage, export API and revenue dashboard.

python -m demo.collector --port 8001          # then open http://127.0.0.1:8001/dashboard

from demo.collector import create_app         # for tests and launchers
app = create_app("var/collector.sqlite3", "demo/projects.toml")
"""

from .app import create_app
from .projects import Project, ProjectConfigError, load_projects

__all__ = ["Project", "ProjectConfigError", "create_app", "load_projects"]
