# -*- Python -*- runs the GoogleTest unit tests as part of check-fulcrum.
import lit.formats

config.name = "Fulcrum-Unit"
config.suffixes = []
config.test_source_root = config.unittests_dir
config.test_exec_root = config.unittests_dir
config.test_format = lit.formats.GoogleTest(".", "Tests")
