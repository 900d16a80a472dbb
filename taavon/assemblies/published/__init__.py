"""What the public reads of a held assembly: its results and the bulletin board of each item."""
