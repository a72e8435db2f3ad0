"""The cluster test's own parts that need no servers (make pytest)."""
import pytest

from tests.cluster import topology


def test_missing_debian_packages_are_named_with_the_command_to_install_them(monkeypatch):
    monkeypatch.setattr(topology.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(topology.shutil, "which", lambda name: None)
    monkeypatch.setattr(topology.os.path, "exists", lambda path: False)
    with pytest.raises(topology.MissingTool) as missing:
        topology.tools()
    message = str(missing.value)
    assert "nginx, postgres, redis-server" in message
    assert "apt-get install postgresql redis-server nginx" in message


def test_the_nginx_site_file_is_filled_in_completely(tmp_path, monkeypatch):
    monkeypatch.setattr(topology, "tools", lambda: {"postgres": "p", "initdb": "i", "redis-server": "r", "nginx": "n"})
    monkeypatch.setattr(topology, "MODEL", tmp_path)  # exists
    cluster = topology.Cluster(tmp_path)
    try:
        site = cluster.site_conf()
    finally:
        topology.shutil.rmtree(cluster.postgres.dir, ignore_errors=True)
    assert "{{" not in site
    assert site.count(f"server 127.0.0.1:{cluster.rasa_ports[0]} ") == 2  # both Rasa upstreams
    assert "ip_hash;" in site and f"listen 127.0.0.1:{cluster.public_port};" in site
    for port in cluster.action_ports:
        assert f"server 127.0.0.1:{port} " in site
