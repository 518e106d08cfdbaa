from django.contrib import admin

from apps.cards.models import Card, Deck


class CardInline(admin.TabularInline):
    model = Card
    fields = ["front", "back", "tags", "deleted_at"]
    extra = 0
    show_change_link = True


@admin.register(Deck)
class DeckAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "visibility", "created_at", "deleted_at"]
    list_filter = ["visibility"]
    search_fields = ["title", "owner__username"]
    readonly_fields = ["uuid"]
    inlines = [CardInline]

    def get_queryset(self, request):
        return Deck.all_objects.select_related("owner")


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["front", "deck", "content_hash", "updated_at", "deleted_at"]
    search_fields = ["front", "back"]
    readonly_fields = ["uuid", "content_hash"]
    list_select_related = ["deck"]

    def get_queryset(self, request):
        return Card.all_objects.select_related("deck")
