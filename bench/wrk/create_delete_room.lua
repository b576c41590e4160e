-- Creates rooms and deletes them again: every response to a POST queues the new room's id and
-- the next request on that thread deletes the oldest queued room, so live rooms stay few.
local pending = {}

request = function()
  local headers = { ["authorization"] = "Bearer development", ["content-type"] = "application/json" }
  if #pending > 0 then
    return wrk.format("DELETE", "/room/" .. table.remove(pending, 1), headers)
  end
  return wrk.format("POST", "/room", headers, '{"maxPeers":10}')
end

response = function(status, headers, body)
  if status == 201 then
    local id = body:match('"id":"([0-9a-f%-]+)"')
    if id then table.insert(pending, id) end
  end
end
