-- Failed Gigya API calls made for some logins (binds :logins, a list, and :code, a number):
--   auditql query -f examples/queries/failed-calls.sql --param logins=@examples/queries/logins.txt --param code=403042
errCode = :code AND params.loginID IN (:logins)
