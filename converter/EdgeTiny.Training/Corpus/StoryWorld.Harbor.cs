namespace EdgeTiny.Training.Corpus;

public sealed partial class StoryWorld
{
    /// <summary>
    /// The adaptation world: sailors, gulls, boats, nets, a lighthouse, fish and tides. Same grammar as
    /// <see cref="Village"/>, but no name of a child, adult or pet is shared with it, and most nouns differ.
    /// </summary>
    public static StoryWorld Harbor { get; } = new(
        "Harbor",
        [
            .. Boys("Nils|Oskar|Erik|Sven|Pablo|Jonah|Tobias|Mateo|Arlo|Felix"),
            .. Girls("Maren|Ingrid|Greta|Freya|Marisol|Nora|Elin|Astrid|Lena|Isla"),
        ],
        [.. Girls("Grandma Elsa|Captain Ada|Aunt Hilde"), .. Boys("Grandpa Olaf|Captain Ross|Uncle Bram")],
        With(new()
        {
            ["town"] = Split("little harbor town|fishing village|windy town by the sea|busy port town"),
            ["home"] = Split("little cottage by the sea|blue house on the hill|stone cottage|house near the docks|small house with a red roof"),
            ["place"] = Split("harbor|beach|pier|dock|lighthouse|fish market|boatyard|cove|sea wall|old jetty"),
            ["time"] = Split("morning|afternoon|evening|day|foggy morning|windy afternoon|gray morning|Sunday"),
            ["fine"] = Split("calm|clear|bright|sunny|still"),
            ["toy"] = Split("toy boat|seashell|lantern|compass/compasses|spyglass/spyglasses|bucket|fishing rod|little flag|cap|bell|map|sailor hat"),
            ["adj"] = Split("rusty|old|shiny|wooden|little|special|favorite|brass|painted|tiny"),
            ["food"] = Split("fish pie|biscuit|bun|pancake|sweet roll|fig|fish cake|herring|oat cake|ginger bun|smoked fish/smoked fish"),
            ["pet"] = Split("parrot|hermit crab|gray cat|shaggy dog|tortoise"),
            ["petname"] = Split("Skipper|Barnacle|Salty|Bubbles|Flint|Marlin|Pebble|Wiggles"),
            ["animal"] = Split("gull|crab|seal|turtle|otter|puffin|starfish/starfish|pelican|sea lion|baby whale"),
            ["trait"] = Split("brave|curious|quiet|kind|clever|cheerful|gentle|bold|young"),
            ["act"] = Split("watch the boats|count the gulls|look for shells|fish from the pier|skip stones|dig for clams|race the waves|build a sand castle|play pirates|wave at the ships"),
            ["indoor"] = Split("tie sailor knots|mend an old net|paint little boats|read sea stories|play cards|make a ship in a bottle"),
            ["spot"] = Split("under a pile of nets|behind a barrel|in the sand|under the boat|in the net shed|behind the crates|under the pier|between the rocks|in a coil of rope|in the fish basket"),
            ["shelter"] = Split("into the net shed|into the lighthouse|into the boat house|into the fish market|into the warm kitchen"),
            ["far"] = Split("a small island|the old fort|the big port|the fishing village across the bay|the seal rocks|the lighthouse island|the far shore"),
            ["travel"] = Split("in a little boat|on the ferry|on a fishing boat|in a rowboat|on a sailboat"),
            ["sight"] = Split("a big whale|a sunken ship|a white sail|a school of fish|a tall mast|a seal on a rock|a pod of dolphins|a huge wave|a pirate flag|a flock of gulls"),
            ["scary"] = Split("the deep water|the high pier|the loud foghorn|the big waves|the dark cave by the shore|the tall mast|the old shipwreck|the big crab under the rocks"),
            ["storm"] = Split("a thick fog rolled in from the sea|the wind grew strong and the waves got big|a storm came over the water|rain began to fall on the harbor|dark clouds hid the sun"),
            ["clear"] = Split("the fog lifted|the wind grew calm|the sun came out over the water|the waves grew small again|a rainbow appeared over the bay"),
            ["chore"] = Split("pull in the heavy nets|paint the boat|fix the old sail|sort the fish|light the big lamp|sweep the dock|coil the ropes|scrub the deck"),
            ["gift"] = Split("a drawing of a {~animal}|a necklace of seashells|a little wooden boat|a painting of the lighthouse|a carved fish|a bracelet of rope knots|a message in a bottle|a jar of sea glass"),
        }));
}
