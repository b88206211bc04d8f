"""X-Query-Count: how many SQL queries a request ran, for the scale benchmark only
(benchmarks/settings.py). A streamed response's queries run after its headers are sent,
so it carries the count of those run before."""

from django.db import connections


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
