namespace EdgeTiny.Training.Corpus;

public sealed partial class StoryWorld
{
    /// <summary>The default training world: children, pets, parks, gardens, toys, rain and sunshine.</summary>
    public static StoryWorld Village { get; } = new(
        "Village",
        [
            .. Boys("Tom|Ben|Sam|Jack|Leo|Max|Tim|Finn|Noah|Jake|Owen|Luke"),
            .. Girls("Lily|Mia|Anna|Lucy|Emma|Sara|Zoe|Ella|Ruby|Amy|Kate|Rose"),
        ],
        [.. Girls("Mom|Grandma|Aunt May"), .. Boys("Dad|Grandpa|Uncle Ted")],
        With(new()
        {
            ["town"] = Split("little village|small town|quiet village|sunny town|green valley"),
            ["home"] = Split("little house|yellow house|cottage|white house|house with a red door|house on a hill"),
            ["place"] = Split("park|pond|playground|farm|lake|river|garden|school|big oak tree|meadow"),
            ["time"] = Split("morning|afternoon|evening|day|sunny morning|warm afternoon|Saturday|cold morning"),
            ["fine"] = Split("sunny|warm|bright|lovely|beautiful"),
            ["toy"] = Split("ball|kite|teddy bear|doll|toy car|picture book|hat|drum|puzzle|toy train|balloon|jump rope|marble|whistle|scarf/scarves"),
            ["adj"] = Split("shiny|soft|little|old|new|favorite|bright|special|funny|red"),
            ["food"] = Split("apple|cookie|cupcake|sandwich/sandwiches|banana|muffin|pear|peach/peaches|plum|carrot|pie|cake"),
            ["pet"] = Split("dog|cat|puppy/puppies|kitten|bunny/bunnies|hamster"),
            ["petname"] = Split("Buddy|Spot|Coco|Fluffy|Pip|Daisy|Rex|Goldie|Patch|Whiskers"),
            ["animal"] = Split("bird|duck|rabbit|squirrel|hedgehog|frog|mouse/mice|fox/foxes|deer/deer|owl|lamb|chick"),
            ["trait"] = Split("kind|brave|curious|shy|happy|clever|smart|cheerful|gentle|funny"),
            ["act"] = Split("play tag|fly a kite|play hide and seek|ride bikes|pick flowers|jump in the leaves|play ball|climb trees|feed the ducks|draw with chalk|look for bugs|jump rope"),
            ["indoor"] = Split("draw pictures|build a fort with pillows|read a book|play a board game|bake cookies|make a puppet show|sing songs"),
            ["spot"] = Split("under the bed|behind the sofa|in the toy box|under the table|behind the door|under a pile of leaves|in the closet|behind the big tree|under the car|in the flower bed"),
            ["shelter"] = Split("into the house|under a big tree|into the barn|under the slide|into the garden shed"),
            ["far"] = Split("the zoo|the big city|the mountains|the fair|the castle|the museum|the circus|the farm"),
            ["travel"] = Split("by bus|by train|in the car|on their bikes|in a horse cart"),
            ["sight"] = Split("a tall tower|a big elephant|a funny clown|a red fire truck|a giant slide|a huge castle|a little train|a tall giraffe|a pond full of fish|a field of sunflowers"),
            ["scary"] = Split("the big slide|the dark forest|the deep end of the pool|the old barn|the big dog next door|the tall ladder|the noisy tractor|the goat on the farm"),
            ["storm"] = Split("dark clouds came and it began to rain|it started to pour|a cold wind began to blow|thunder rumbled in the sky|big gray clouds covered the sun|it began to snow"),
            ["clear"] = Split("the rain stopped|the sun came out again|the clouds went away|a rainbow came out|the sky turned blue again"),
            ["chore"] = Split("carry the heavy basket|water the flowers|pick the apples|clean the yard|bake bread|feed the chickens|paint the fence|wash the dishes"),
            ["gift"] = Split("a drawing of a {~animal}|a card with a big heart|a bracelet made of beads|a paper crown|a clay cat|a bunch of flowers|a painted rock|a little box of cookies"),
        }));
}
