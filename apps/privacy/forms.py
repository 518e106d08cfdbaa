from django import forms


class AccountDeletionForm(forms.Form):
    """The typed confirmation: the person's own username, exactly, so that no stray click deletes an account."""

    confirmation = forms.CharField(max_length=150, label="Type your username to confirm", strip=True)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.username = user.get_username()
        self.fields["confirmation"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"]
        if typed != self.username:
            raise forms.ValidationError(f"Type your username, {self.username}, exactly as it is written here.")
        return typed
