-- run.lua — `regio run`: runs scenarios on engines and prints the matrix (see lua/regio/run.lua).
--
--   scripts/regio run --backend all scripts/scenarios
--   scripts/regio scripts/run.lua --backend poll --tap scripts/scenarios/waitall_framing.lua

os.exit(require("regio.run").main(arg))
