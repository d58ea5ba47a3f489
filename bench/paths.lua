-- wrk script: each request takes a random path from the file named after
-- `--` (one path per line), e.g.
--   wrk -c 2 -d 30s -s bench/paths.lua http://127.0.0.1:5033 -- .bench-load/1000/finder.paths
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  math.randomseed(os.time() * 100 + tid)
end
request = function()
  return wrk.format(nil, paths[math.random(#paths)])
end
