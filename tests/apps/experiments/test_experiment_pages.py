"""The experiment pages: the deck's owner and staff with the permissions create, edit, start and stop; everyone else gets 404."""

import pytest
from django.urls import reverse

from apps.cards.models import Deck
from apps.cards.services import deck_create
from apps.experiments.models import Experiment
from apps.experiments.services import ArmSpec, experiment_create


@pytest.fixture
def experiment(private_deck, owner):
    return experiment_create(
        deck=private_deck, name="delta vs control", created_by=owner,
        arms=[ArmSpec("control", "random", "", 1), ArmSpec("delta", "delta", "", 1)],
    )


def _page_urls(deck, experiment):
    return [
        ("get", reverse("experiments:experiment_list", args=[deck.uuid])),
        ("get", reverse("experiments:experiment_create", args=[deck.uuid])),
        ("post", reverse("experiments:experiment_create", args=[deck.uuid])),
        ("get", reverse("experiments:experiment_detail", args=[experiment.uuid])),
        ("get", reverse("experiments:experiment_edit", args=[experiment.uuid])),
        ("post", reverse("experiments:experiment_edit", args=[experiment.uuid])),
        ("post", reverse("experiments:experiment_start", args=[experiment.uuid])),
        ("post", reverse("experiments:experiment_stop", args=[experiment.uuid])),
    ]


@pytest.mark.parametrize("persona", ["other_learner", "instructor", "deck_learner"])
def test_everyone_but_the_owner_and_staff_gets_404(request, owner, experiment, private_deck, persona, web_client_for, make_user):
    if persona == "deck_learner":
        # A learner who may study the (now public) deck still may not run experiments on it.
        Deck.objects.filter(pk=private_deck.pk).update(visibility=Deck.Visibility.PUBLIC)
        user = make_user("deck-learner")
    else:
        user = request.getfixturevalue(persona)
    client = web_client_for(user)
    for method, url in _page_urls(private_deck, experiment):
        assert getattr(client, method)(url).status_code == 404, (method, url)
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.DRAFT and experiment.name == "delta vs control"


def test_anonymous_visitors_are_sent_to_sign_in(client, experiment, private_deck):
    for method, url in _page_urls(private_deck, experiment):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], (method, url)


def _arm_post(name: str, arms: list[tuple[str, str, str, int]], **management) -> dict:
    data = {"name": name, "arms-TOTAL_FORMS": str(len(arms)), "arms-INITIAL_FORMS": str(management.get("initial", 0)),
            "arms-MIN_NUM_FORMS": "0", "arms-MAX_NUM_FORMS": "1000"}
    for index, (arm_name, policy, model_kind, weight) in enumerate(arms):
        data |= {f"arms-{index}-name": arm_name, f"arms-{index}-policy": policy,
                 f"arms-{index}-model_kind": model_kind, f"arms-{index}-weight": str(weight)}
    return data


def test_the_owner_creates_starts_and_stops_an_experiment(owner, private_deck, web_client_for):
    client = web_client_for(owner)
    assert client.get(reverse("experiments:experiment_create", args=[private_deck.uuid])).status_code == 200
    response = client.post(
        reverse("experiments:experiment_create", args=[private_deck.uuid]),
        _arm_post("targets", [("control", "random", "", 80), ("karl-delta", "delta", "karl", 20)]),
    )
    experiment = Experiment.objects.get(deck=private_deck)
    assert response.status_code == 302 and response["Location"] == reverse("experiments:experiment_detail", args=[experiment.uuid])
    assert [(arm.name, arm.policy, arm.model_kind, arm.weight) for arm in experiment.arms.order_by("id")] == [
        ("control", "random", "", 80), ("karl-delta", "delta", "karl", 20)
    ]
    client.post(reverse("experiments:experiment_start", args=[experiment.uuid]))
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.RUNNING and experiment.started_at is not None
    page = client.get(reverse("experiments:experiment_detail", args=[experiment.uuid])).content.decode()
    assert "karl-delta" in page and "Stop" in page
    client.post(reverse("experiments:experiment_stop", args=[experiment.uuid]))
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.STOPPED


def test_an_invalid_form_is_shown_again_with_the_reason_and_saves_nothing(owner, private_deck, web_client_for):
    response = web_client_for(owner).post(
        reverse("experiments:experiment_create", args=[private_deck.uuid]),
        _arm_post("duplicate names", [("same", "random", "", 1), ("same", "fsrs", "", 1)]),
    )
    assert response.status_code == 400
    assert "arm names must differ" in response.content.decode()
    assert not Experiment.objects.exists()


def test_an_arm_weight_out_of_bounds_is_refused_by_the_form_not_a_500(owner, private_deck, web_client_for):
    response = web_client_for(owner).post(
        reverse("experiments:experiment_create", args=[private_deck.uuid]),
        _arm_post("huge weight", [("control", "random", "", 10**12), ("delta", "delta", "", 1)]),
    )
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 1000." in response.content.decode()
    assert not Experiment.objects.exists()


def test_staff_without_permissions_get_404_on_a_learners_experiments_and_change_nothing(private_deck, experiment, make_staff, web_client_for):
    client = web_client_for(make_staff("bare-staff"))
    for method, url in _page_urls(private_deck, experiment):
        assert getattr(client, method)(url, _arm_post("staff's", [("a", "random", "", 1), ("b", "fsrs", "", 1)])).status_code == 404, url
    experiment.refresh_from_db()
    assert (Experiment.objects.count(), experiment.status) == (1, Experiment.Status.DRAFT)


def test_staff_who_may_only_view_experiments_cannot_create_start_or_edit_them(private_deck, experiment, make_staff, web_client_for):
    client = web_client_for(make_staff("viewing-staff", "experiments.view_experiment"))
    for method, url in _page_urls(private_deck, experiment):
        expected = 200 if method == "get" and "/new/" not in url and "/edit/" not in url else 404
        assert getattr(client, method)(url).status_code == expected, url
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.DRAFT


def test_staff_with_the_permissions_manage_any_deck(experiment, make_staff, web_client_for):
    staff = make_staff("staff-member", "experiments.view_experiment", "experiments.change_experiment")
    client = web_client_for(staff)
    assert client.get(reverse("experiments:experiment_detail", args=[experiment.uuid])).status_code == 200
    client.post(reverse("experiments:experiment_start", args=[experiment.uuid]))
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.RUNNING


def test_a_started_experiment_is_reweighted_through_the_edit_form(owner, experiment, web_client_for):
    client = web_client_for(owner)
    client.post(reverse("experiments:experiment_start", args=[experiment.uuid]))
    response = client.post(
        reverse("experiments:experiment_edit", args=[experiment.uuid]),
        _arm_post("delta vs control", [("control", "random", "", 3), ("delta", "delta", "", 1)], initial=2),
    )
    assert response.status_code == 302
    assert [(arm.name, arm.weight) for arm in experiment.arms.order_by("id")] == [("control", 3), ("delta", 1)]


def test_the_owner_sees_the_experiments_of_their_deck_only(owner, experiment, private_deck, web_client_for):
    other_deck = deck_create(owner=owner, title="Another deck", visibility=Deck.Visibility.PRIVATE)
    client = web_client_for(owner)
    assert "delta vs control" in client.get(reverse("experiments:experiment_list", args=[private_deck.uuid])).content.decode()
    assert "delta vs control" not in client.get(reverse("experiments:experiment_list", args=[other_deck.uuid])).content.decode()


def test_the_deck_page_links_its_owner_to_the_experiments(owner, other_learner, public_deck, private_deck, web_client_for):
    link = reverse("experiments:experiment_list", args=[private_deck.uuid])
    assert link in web_client_for(owner).get(reverse("cards:deck_detail", args=[private_deck.uuid])).content.decode()
    public_page = web_client_for(other_learner).get(reverse("cards:deck_detail", args=[public_deck.uuid])).content.decode()
    assert reverse("experiments:experiment_list", args=[public_deck.uuid]) not in public_page
