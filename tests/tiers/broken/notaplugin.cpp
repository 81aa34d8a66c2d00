// SPDX-License-Identifier: MIT
// Fixture: an ordinary shared library that happens to sit in a plugin directory.
extern "C" __attribute__((visibility("default"))) int tiercache_fixture_not_a_plugin()
{
    return 42;
}
