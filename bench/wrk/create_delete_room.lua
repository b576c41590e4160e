-- POST /room then DELETE /room/<id> of the room just created, alternating on each connection.
local room_id = nil

request = function()
  local headers = { ["authorization"] = "Bearer development", ["content-type"] = "application/json" }
  if room_id then
    local path = "/room/" .. room_id
    room_id = nil
    return wrk.format("DELETE", path, headers)
  end
  return wrk.format("POST", "/room", headers, '{"maxPeers":10}')
end

response = function(status, headers, body)
  if status == 201 then
    room_id = body:match('"id":"([0-9a-f%-]+)"')
  end
end
