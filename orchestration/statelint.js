// statelint (@wmfs/statelint, installed in .tools/ by `make lint`) with the ASL fields AWS added
// after the linter's schema was written: statelint-extensions.j2119 beside this file.
// node orchestration/statelint.js FILE...
const path = require('path')
const home = path.join(__dirname, '..', '.tools', 'node_modules', '@wmfs', 'statelint', 'lib')
const StateLint = require(path.join(home, 'statelint', 'statelint'))
const cli = require(path.join(home, 'driver', 'cli'))
const extensions = path.join(__dirname, 'statelint-extensions.j2119')
process.exit(cli(new StateLint(extensions)).process() ? 0 : 1)
