-- wrk script: make every GetMap unique (shift the BBOX by a millimetre per
-- request and thread) so no render cache can answer it: the "cold" GetMap.
-- The URL must end with BBOX=<minx>,<miny>,<maxx>,<maxy> (EPSG:25832).
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
local base, minx, rest
init = function(args)
  base, minx, rest = string.match(wrk.path, "^(.*BBOX=)([%d%.]+)(,.*)$")
end
request = function()
  counter = counter + 1
  local shift = (counter * 16 + tid) * 0.001
  return wrk.format(nil, base .. string.format("%.3f", tonumber(minx) + shift) .. rest)
end
