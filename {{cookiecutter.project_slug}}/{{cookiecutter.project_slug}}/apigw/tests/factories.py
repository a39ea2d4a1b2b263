"""Gateway records for the app's tests."""

from {{ cookiecutter.project_slug }}.apigw.models import ApiGateway, ApiGatewayRoute


def make_gateway(name="main", api_id="abc123defg", region="eu-west-1", domain_name="ws.example.com", **fields):
    return ApiGateway.objects.create(name=name, api_id=api_id, region=region, domain_name=domain_name, **fields)


def make_route(gateway, route_key, **fields):
    return ApiGatewayRoute.objects.create(api_gateway=gateway, route_key=route_key, **fields)
