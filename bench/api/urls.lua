-- wrk script: GET the paths of the file named by the URLS environment
-- variable in turn (one a line), each thread from its own offset.
local paths = {}
for line in io.lines(os.getenv("URLS")) do
	if #line > 0 then
		paths[#paths + 1] = line
	end
end
local i = 0
function init(args)
	i = math.random(#paths)
end
function request()
	i = i % #paths + 1
	return wrk.format("GET", paths[i])
end
