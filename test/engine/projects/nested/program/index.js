// The budgets test program, run from this directory: `main: program/` makes it the working directory.
"use strict";
module.exports = require("../../budgets/index.js");
