import pytest


@pytest.mark.django_db
def test_a_disabled_accounts_keys_stop_working(api_client, tenant):
    from rest_framework.test import APIClient

    from portal.models import Account
    from portal.services.apikeys import create_api_key

    pair = create_api_key(acting_user=tenant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {pair.api_key}:{pair.secret_key}")
    assert client.get("/api/core/jobs/").status_code == 200
    Account.objects.filter(pk=tenant.account_id).update(state="disabled")
    assert client.get("/api/core/jobs/").status_code in (401, 403)
