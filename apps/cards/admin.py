from django.contrib import admin

from apps.cards.models import Card, CardTemplate, Deck, Note, NoteField, NoteType


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
    readonly_fields = ["uuid", "parent"]
    inlines = [CardInline]

    def get_queryset(self, request):
        return Deck.all_objects.select_related("owner")


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["front", "deck", "note", "ord", "content_hash", "updated_at", "deleted_at"]
    search_fields = ["front", "back"]
    readonly_fields = ["uuid", "note", "ord", "content_hash"]
    list_select_related = ["deck", "note__note_type"]

    def get_queryset(self, request):
        return Card.all_objects.select_related("deck", "note__note_type")


class NoteFieldInline(admin.TabularInline):
    model = NoteField
    extra = 0


class CardTemplateInline(admin.StackedInline):
    model = CardTemplate
    extra = 0


@admin.register(NoteType)
class NoteTypeAdmin(admin.ModelAdmin):
    """Note types as they are; built-in ones are shared by every note, so the admin shows them without changing them."""

    list_display = ["name", "kind", "owner", "updated_at"]
    search_fields = ["name", "owner__username"]
    readonly_fields = ["uuid"]
    inlines = [NoteFieldInline, CardTemplateInline]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_builtin

    has_delete_permission = has_change_permission


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    """Shown, not changed here: a note's cards are rendered from it by ``note_services``, which the note pages use."""

    list_display = ["uuid", "note_type", "owner", "updated_at", "deleted_at"]
    search_fields = ["guid", "owner__username"]
    list_select_related = ["note_type", "owner"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return Note.all_objects.select_related("note_type", "owner")
