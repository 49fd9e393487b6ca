-- wrk script: POST the contribution quote for a payroll batch of 10 persons.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local persons = {}
for i = 1, 10 do
  persons[#persons + 1] = string.format('{"ref":"p%d","monthly_wage":"%d.%02d"}', i, 3000 + i * 731, i)
end
wrk.body = '{"region":"420500","period":"202208","risk_class":1,"persons":[' .. table.concat(persons, ",") .. ']}'
