namespace EdgeTiny.Training.Corpus;

/// <summary>One step of a story: one sentence template chosen from alternatives, maybe skipped, maybe repeated.</summary>
internal sealed record StoryStep(IReadOnlyList<string> Templates, double Chance, int MinRepeat, int MaxRepeat, bool NewParagraph);

/// <summary>A plot: its steps in order. <paramref name="FriendIsNew"/> keeps the opening from naming the friend
/// as an old friend when the plot is about meeting them.</summary>
internal sealed record StoryArc(string Name, IReadOnlyList<StoryStep> Steps, bool FriendIsNew = false);

/// <summary>
/// The story grammar shared by every world. Template syntax (rendered by <see cref="StoryGenerator"/>):
/// <list type="bullet">
/// <item>`…` is a quoted dialogue line (a backtick stands for the double quote, to keep the C# readable);</item>
/// <item>[a|b|c] picks one alternative (may contain placeholders, not brackets);</item>
/// <item>{H}, {F}, {P}: the hero, the friend, the adult, by name; {H:he}, {H:him}, {H:his}, {H:self}, {H:kid}
/// their pronouns and "boy"/"girl";</item>
/// <item>{key} a word from the world's list <c>key</c>, chosen once per story, so later sentences repeat it;
/// {key#2} a second, different one; {~key} a fresh one each time (still avoiding words the story already used);
/// a ":pl" suffix gives the plural.</item>
/// </list>
/// Sentence starts, the first word inside quotes and "a"/"an" are fixed up after rendering.
/// </summary>
internal static partial class StoryArcs
{
    public static IReadOnlyList<StoryArc> All { get; } =
        [LostAndFound(), Sharing(), FearOvercome(), Trip(), WeatherChange(), Helping(), Surprise(), NewFriend(), AnimalInNeed()];

    /// <summary>The first paragraph of every story: who the hero is and where.</summary>
    public static IReadOnlyList<StoryStep> Opening { get; } =
    [
        Say("Once upon a time, there was a {trait} {H:kid} named {H}.",
            "Once upon a time, in a {town}, there lived a {trait} {H:kid} called {H}.",
            "There was once a {trait} {H:kid} named {H} who loved to {act}.",
            "{H} was a {trait} {H:kid} who lived in a {home}.",
            "In a {town}, there was a {trait} {H:kid}. {H:his} name was {H}.",
            "Once there was a {H:kid} named {H}, and {H:he} was very {trait}.",
            "This is a story about a {trait} {H:kid} named {H}.",
            "One day, a {trait} {H:kid} named {H} woke up early."),
        Maybe(0.55,
            "{H:he} lived with {P}, not far from the {place}.",
            "{H:he} had a {pet} named {petname}.",
            "{H:his} best friend was {F}.",
            "{H:he} and {H:his} friend {F} played together every day.",
            "{H:his} {home} was near the {place}.",
            "{H} and {H:his} {pet}, {petname}, went everywhere together."),
        Maybe(0.45,
            "Every day, {H:he} liked to {act} at the {place}.",
            "{H:he} loved {~food:pl} and {~toy:pl}.",
            "{H:his} favorite thing was to {act} with {P}.",
            "{H:he} always wore a {~color} coat.",
            "More than anything, {H} liked to {act} with {H:his} {pet}.",
            "{H} knew every corner of the {place}."),
    ];

    /// <summary>An optional last line after the moral.</summary>
    public static IReadOnlyList<StoryStep> Closing { get; } =
    [
        Maybe(0.35,
            "That night, {H} went to sleep with a big smile.",
            "It was a day {H} would never forget.",
            "And that was a very good day for {H}.",
            "The end.",
            "{H} hoped tomorrow would be just as good.",
            "{H} told {P} all about it at dinner."),
    ];

    private static StoryArc LostAndFound() => new("lost and found",
    [
        Para("One {time}, {H} could not find {H:his} {adj} {toy}.",
             "When {H} woke up one {time}, {H:his} {adj} {toy} was gone.",
             "{H} wanted to play with {H:his} {adj} {toy}, but it was not there.",
             "One {time}, {H} looked for {H:his} {adj} {toy} everywhere.",
             "{H} had a {adj} {toy} that {H:he} loved very much, but one {time} it was gone."),
        Say("`Where is my {toy}?` [asked|cried|said] {H}.",
            "`Oh no, my {toy} is gone!` {H} [cried|said|shouted].",
            "{H} ran to {P} and said, `I lost my {toy}!`",
            "`Has anyone seen my {toy}?` {H} asked."),
        Maybe(0.5, "{H} felt very {~bad}.", "{H} was so {~bad} that {H:he} almost cried.", "{H:his} eyes filled with tears, and {H:he} sat down."),
        Repeat(1, 3,
            "{H:he} looked {~spot}, but the {toy} was not there.",
            "{H} searched {~spot}.",
            "Then {H:he} checked {~spot}, but there was no {toy}.",
            "Next, {H} looked {~spot}.",
            "{H} even looked {~spot}."),
        Say("{H:his} friend {F} came to help.",
            "`I will help you look, {H},` said {F}.",
            "{P} said, `Let us look for your {toy} together.`",
            "`Do not worry, {H}, we will find it,` said {P}."),
        Para("At last, {H} found the {toy} {~spot}.",
             "Then {H:he} saw something {~color} {~spot}, and it was the {toy}!",
             "Suddenly, {H:he} saw {H:his} {pet} {petname} playing with the {toy}!",
             "After a long search, the {toy} was {~spot}, just where {H:he} had left it."),
        Say("{H} hugged the {toy} and smiled.",
            "`I found it!` shouted {H}, and {H:he} was so {~good}.",
            "{H} laughed and held the {toy} tight.",
            "`Thank you for helping me,` {H} said to {P}."),
        Say("From that day on, {H} always put {H:his} {toy} back in its place.",
            "{H} learned to take good care of {H:his} things.",
            "After that, {H:he} never lost the {toy} again.",
            "{H} learned that it is good to keep your things in the right place."),
    ]);

    private static StoryArc Sharing() => new("sharing",
    [
        Para("One {time}, {H} sat at the {place} with a [big|yummy|sweet] {food}.",
             "{H} had a big {food} for a snack.",
             "{P} gave {H} a {food} and some {~food:pl} to take to the {place}.",
             "At the {place}, {H} was eating a {food}."),
        Say("{F} came by, and {F:he} looked [hungry|sad|lonely].",
            "{F} was sitting all alone, and {F:he} had no snack.",
            "Then {H:he} saw {F}, who had nothing to eat."),
        Say("`Can I have some of your {food}?` asked {F}.",
            "`That {food} looks yummy, can I try it?` said {F}.",
            "`I am so hungry,` {F} said quietly.",
            "`Can I have a little bit, {H}?` asked {F}."),
        Say("At first, {H} did not want to share.",
            "{H} wanted to keep the {food} all to {H:self}.",
            "{H} held the {food} close, because it was {H:his} [favorite|best] snack."),
        Maybe(0.6,
            "Then {H:he} saw that {F} was {~bad}.",
            "{H} thought about it for a moment.",
            "{H} remembered what {P} always said: `Sharing is caring.`"),
        Say("{H} broke the {food} in two and gave half to {F}.",
            "`Here, you can have half,` said {H}.",
            "{H} smiled and shared the {food} with {F}."),
        Para("{F} was so {~good}. `Thank you, {H}!` {F:he} said.",
             "{H} and {F} ate together and laughed.",
             "The {food} tasted even better when {H} and {F} shared it."),
        Maybe(0.6, "Then {H} and {F} went to {act} together.", "After the snack, {H} and {F} played at the {place} until it was time to go home."),
        Say("{H} learned that sharing makes everyone happy.",
            "Sharing made {H} feel warm inside.",
            "From then on, {H} and {F} were best friends.",
            "{H} learned that a friend is worth more than a {food}."),
    ]);

    private static StoryArc FearOvercome() => new("fear overcome",
    [
        Para("{H} was afraid of {scary}.",
             "There was one thing {H} did not like: {scary}.",
             "{H} was {trait}, but {H:he} was scared of {scary}."),
        Say("One {time}, {P} took {H} to see {scary}.",
            "One {time}, {H} had to walk past {scary}.",
            "One {time}, {H:his} friend {F} wanted to go near {scary}."),
        Say("`I am scared,` {H} whispered to {P}.",
            "`What if something bad happens?` asked {H}.",
            "{H:his} legs shook, and {H:he} said, `I do not want to go.`",
            "{H} hid behind {P}."),
        Say("`It is okay to be scared, {H}, and I will be right here,` said {P}.",
            "{P} held {H:his} hand and said, `You are braver than you think.`",
            "`We can do it together,` said {F}.",
            "`Just try one small step,` said {P}."),
        Para("{H} took a deep breath.",
             "{H} counted to three.",
             "{H} closed {H:his} eyes for a moment and then opened them."),
        Repeat(1, 2,
            "Step by step, {H} went closer to {scary}.",
            "{H} took one more step, and then another.",
            "Slowly, {H:he} went a little closer to {scary}."),
        Say("{scary} was not scary at all!",
            "{H} laughed, because it was fun!",
            "Soon {H} was not afraid of {scary} anymore."),
        Say("{H} felt proud of {H:self}.",
            "`I did it!` shouted {H}.",
            "{P} clapped and said, `I knew you could do it, {H}!`"),
        Say("{H} learned that being brave means trying even when you are scared.",
            "After that day, {H} was never afraid of {scary} again.",
            "{H} learned that many things are less scary when you face them."),
    ]);

    private static StoryArc Trip() => new("trip",
    [
        Para("One {time}, {H} and {P} went on a trip to {far}.",
             "{P} said, `Today we are going to {far}, {H}!`",
             "{H} was so {~good} because today {H:he} was going to {far} with {P}."),
        Say("They went {travel}.", "They went there {travel}, and {H} sang all the way.", "The trip {travel} was long, but {H} liked it."),
        Maybe(0.5, "{H} took {H:his} {adj} {toy} along.", "{H:he} packed a {food} for the way."),
        Repeat(1, 2,
            "There, {H} and {P} saw {~sight}.",
            "{H} pointed at {~sight} and said, `Look!`",
            "There was {~sight} too!",
            "Then {H:he} saw {~sight}, and {H:he} had never seen one before."),
        Say("`This is the best day ever!` said {H}.",
            "`Can we stay a little longer?` {H} asked {P}.",
            "`Wow, I love {far}!` said {H}."),
        Maybe(0.6, "They had a picnic with {~food:pl} and {~food:pl}.", "{P} bought {H} a {~food}, and {H} ate it all."),
        Para("When the sun went down, {H} and {P} went home.",
             "In the evening, they went back home {travel}.",
             "At the end of the day, it was time for {H} to go home."),
        Say("{H} was tired but very {~good}.",
            "{H} fell asleep on the way home.",
            "That night, {H} dreamed about {far}.",
            "{H} could not wait to go back to {far} one day."),
    ]);
}
