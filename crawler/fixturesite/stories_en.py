"""English fixture articles of site A, "La Gaceta / The Gazette" (hand-written, fictional reporting)."""

from __future__ import annotations

from crawler.fixturesite.story import Story

STORIES: tuple[Story, ...] = (
    Story(
        key="en-cuba-blackout",
        site="a",
        lang="en",
        path="/en/americas/cuba-grid-collapse-blackout",
        section="Americas",
        title="Cuba's power grid collapses again, leaving millions in the dark",
        dek="The nationwide blackout is the third in a year as ageing thermoelectric plants fail.",
        author="Laura Méndez",
        hours_ago=5,
        topics=("cuba",),
        links=("rss", "news-sitemap", "listing", "broken-rss"),
        comments=(
            ("Pedro", "My family in Matanzas has had no light since yesterday afternoon."),
            ("anon_482", "Same story every winter. Nobody is ever held accountable."),
        ),
        paragraphs=(
            "Cuba's national electricity grid collapsed on Tuesday evening, plunging almost the entire island "
            "into darkness for the third time this year, the Ministry of Energy and Mines said in a brief statement "
            "posted on social media shortly after nine o'clock.",
            "The failure began at the Antonio Guiteras thermoelectric plant in Matanzas, the country's largest, "
            "which tripped offline and set off a cascade of shutdowns across the western and central provinces. "
            "Engineers were working through the night to restore what officials called 'islands of generation' "
            "around hospitals, water pumping stations and bakeries.",
            "In Havana, residents carried mattresses onto balconies to escape the heat while neighbours cooked on "
            "charcoal in the street. Mobile data faded within hours as the batteries of cell towers ran down, "
            "and queues formed outside the few hotels with working generators.",
            "The grid has been fragile for years. Most Cuban plants were built in the 1970s and 1980s with "
            "Soviet technology, and spare parts are scarce. Fuel deliveries have also been irregular, forcing "
            "the electricity company to schedule daily rolling cuts of up to twelve hours outside the capital.",
            "Economists say the blackouts cost the island far more than lost production. Small private "
            "businesses, which multiplied after reforms in 2021, have had to buy diesel generators, and many "
            "young professionals cite the outages as a reason for emigrating.",
            "The government has promised to install dozens of solar parks by the end of next year. Critics "
            "note that similar promises have been made before and that the parks produce nothing after sunset, "
            "when demand is highest.",
        ),
    ),
    Story(
        key="en-maduro-warrants",
        site="a",
        lang="en",
        path="/en/americas/maduro-opposition-arrest-warrants",
        section="Americas",
        title="Maduro tightens his grip as opposition leaders face arrest warrants",
        dek="Prosecutors accuse five politicians of conspiracy days after they called for new protests.",
        author="Andrés Colmenares",
        hours_ago=9,
        topics=("venezuela",),
        links=("rss", "news-sitemap", "listing"),
        traps=("alias",),
        paragraphs=(
            "Venezuela's attorney general announced arrest warrants on Wednesday against five opposition "
            "politicians, accusing them of conspiring with foreign governments to destabilise the country, in "
            "the latest escalation of pressure by President Nicolás Maduro against his critics.",
            "The warrants were read out on state television by Tarek William Saab, who said the five had "
            "'financed violent groups' during the protests that followed the disputed presidential election. "
            "None of the accused were in custody by Wednesday night, and at least two are believed to be abroad.",
            "Opposition figures dismissed the charges as political theatre. 'Every time the government feels "
            "weak, it invents a conspiracy,' one of the accused said in a video recorded from an undisclosed "
            "location. Human rights groups say more than a thousand people remain detained for political reasons.",
            "In Caracas, the streets were quiet. Shopkeepers said they feared a repeat of last year's unrest, "
            "when security forces and armed civilian groups known as colectivos broke up marches and detained "
            "hundreds of young people in poor neighbourhoods.",
            "Diplomats in the region said the move would complicate efforts to restart negotiations between "
            "the government and the opposition. Several Latin American governments called for guarantees of "
            "due process, while Maduro accused them of interfering in Venezuela's internal affairs.",
        ),
    ),
    Story(
        key="en-pdvsa-exports",
        site="a",
        lang="en",
        path="/en/americas/pdvsa-oil-exports-slump",
        section="Americas",
        title="PDVSA oil exports slump as an ageing tanker fleet breaks down",
        dek="Shipments fell by a fifth last month, according to vessel-tracking data.",
        author="Andrés Colmenares",
        hours_ago=20,
        topics=("venezuela",),
        links=("rss",),
        date_in_html="meta",
        paragraphs=(
            "Oil exports by PDVSA, Venezuela's state oil company, fell by about a fifth last month to their "
            "lowest level since the spring, according to shipping data and internal company documents seen by "
            "this newspaper.",
            "The company shipped an average of 610,000 barrels a day, down from more than 760,000 a month "
            "earlier. Several cargoes were delayed at the José terminal after two tankers suffered engine "
            "failures and a third was held for inspection over unpaid port fees.",
            "The fleet, much of it more than twenty years old, has suffered from years of underinvestment. "
            "PDVSA has increasingly relied on intermediaries who charter ageing vessels, often with their "
            "transponders switched off, to move crude to buyers in Asia.",
            "Analysts said the slump would reduce hard currency income at a time when the government is "
            "trying to stabilise the bolívar. 'Every lost cargo shows up in the exchange rate a few weeks "
            "later,' said an economist at a Caracas consultancy.",
            "The oil ministry did not respond to a request for comment. Production at the upstream joint "
            "ventures, which account for a growing share of output, was largely unaffected.",
        ),
    ),
    Story(
        key="en-diaz-canel-plan",
        site="a",
        lang="en",
        path="/en/americas/diaz-canel-economic-plan-falls-short",
        section="Americas",
        title="Díaz-Canel admits Cuba's economic plan has fallen short",
        dek="The president told parliament that inflation and shortages remain the island's main problems.",
        author="Laura Méndez",
        hours_ago=30,
        topics=("cuba",),
        links=("rss",),
        date_in_html="bad-meta",
        traps=("bad_meta_date",),
        paragraphs=(
            "President Miguel Díaz-Canel acknowledged on Friday that the government's economic recovery plan "
            "had failed to meet most of its targets, in an unusually frank speech to the National Assembly "
            "in Havana.",
            "Inflation remained far above the official goal, he said, and shortages of food, medicine and fuel "
            "continued to weigh on families. The economy minister told deputies that gross domestic product "
            "had shrunk again this year, the fourth contraction in five years.",
            "Díaz-Canel blamed the United States embargo, the fall in tourism and the high price of imported "
            "fuel, but he also criticised what he called 'bureaucratic inertia' in state companies, which he "
            "said had been slow to adopt the reforms approved by the Communist Party.",
            "Deputies approved a budget that foresees a large deficit and new measures to attract foreign "
            "currency, including dollar-only stores and higher fees for some services. Independent economists "
            "warned that such measures tend to deepen inequality between Cubans with access to remittances "
            "and those without.",
            "The speech was broadcast live on state television. On social media, many viewers responded with "
            "frustration, asking how long they would have to wait for improvements that have been promised "
            "for years.",
        ),
    ),
    Story(
        key="en-havana-tourism",
        site="a",
        lang="en",
        path="/en/americas/havana-hotels-half-empty",
        section="Americas",
        title="Havana hotels sit half empty as the tourism recovery stalls",
        dek="Arrivals remain well below pre-pandemic levels despite new hotel towers.",
        author="Sofía Herrera",
        hours_ago=40,
        topics=("cuba",),
        links=("rss",),
        date_in_html="none",
        traps=("feed_date_only",),
        paragraphs=(
            "The new hotel towers along Havana's waterfront are gleaming, but many of their rooms are empty. "
            "Official figures show that foreign arrivals this year are still less than half of what the island "
            "received before the pandemic.",
            "Tour operators cite a long list of reasons: blackouts, shortages in restaurants, fewer flights "
            "from Europe and stricter travel rules for visitors who later want to enter the United States. "
            "Canadian tourists, the largest group, increasingly choose resorts elsewhere in the Caribbean.",
            "Hotel workers say occupancy in some state-run properties in the capital has fallen below thirty "
            "per cent. 'We have more staff than guests on some floors,' said a receptionist who asked not to "
            "be named because she was not authorised to speak to journalists.",
            "Meanwhile, construction continues. Critics argue that the money spent on luxury hotels would be "
            "better invested in the electricity grid or in agriculture, which has struggled to feed the "
            "population.",
            "The tourism ministry says it expects a rebound next season, helped by new routes from Russia "
            "and China and by marketing campaigns aimed at Latin American travellers.",
        ),
    ),
    Story(
        key="en-oil-shipments",
        site="a",
        lang="en",
        path="/en/americas/venezuelan-oil-shipments-cuba-decade-low",
        section="Americas",
        title="Venezuelan oil shipments to Cuba fall to a decade low",
        dek="The decline deepens the island's energy crisis and strains a long alliance.",
        author="Sofía Herrera",
        hours_ago=14,
        topics=("cuba", "venezuela"),
        links=("news-sitemap",),
        traps=("two_topics",),
        paragraphs=(
            "Venezuela sent an average of just 27,000 barrels a day of crude and fuel to Cuba in the first "
            "ten months of the year, the lowest level in more than a decade, according to shipping data and "
            "documents from the state oil company PDVSA.",
            "For years the alliance between Havana and Caracas rested on a simple exchange: Venezuelan oil on "
            "generous terms in return for Cuban doctors, teachers and security advisers. At its peak the "
            "arrangement supplied more than 100,000 barrels a day.",
            "The decline reflects Venezuela's own production problems and its need to sell crude for cash. "
            "Analysts say the shortfall has forced Cuba to buy fuel on the open market at a time when it has "
            "little foreign currency, contributing to the blackouts that have hit the island.",
            "Officials in both countries insist that relations remain strong. Delegations met last month to "
            "sign new cooperation agreements on health and agriculture, although no new energy deal was "
            "announced.",
            "Diplomats say Cuba has sought alternative suppliers, including Russia and Mexico, but deliveries "
            "from those countries have been irregular and far smaller than the Venezuelan shipments of the "
            "past.",
        ),
    ),
    Story(
        key="en-baseball",
        site="a",
        lang="en",
        path="/en/sports/late-homer-lifts-riverside-title",
        section="Sports",
        title="Late homer lifts Riverside to its first championship in 30 years",
        dek="A two-run shot in the ninth inning sealed a comeback win in the deciding game.",
        author="Mike Dalton",
        hours_ago=16,
        topics=(),
        links=("rss",),
        paragraphs=(
            "Riverside won its first championship in thirty years on Sunday night when catcher Tom Keller hit "
            "a two-run home run in the top of the ninth inning to beat Lakeview 5-4 in the deciding game of "
            "the final series.",
            "Lakeview had led 4-1 after six innings behind a strong start from its veteran left-hander, who "
            "struck out nine. Riverside chipped away with a run in the seventh and another in the eighth "
            "before Keller drove a fastball over the wall in left field.",
            "'I was just looking for something to hit hard,' Keller said, his uniform soaked with champagne. "
            "'I've waited my whole career for a moment like that.'",
            "The closer retired the side in order in the bottom of the ninth, and fans poured onto the field "
            "at the old stadium, which is due to be demolished next year. Riverside's manager, in his first "
            "season, was carried off on the shoulders of his players.",
            "The city plans a parade on Tuesday. Officials expect more than 100,000 people along the route "
            "from the train station to the riverfront.",
        ),
    ),
    Story(
        key="en-cold-front",
        site="a",
        lang="en",
        path="/en/weather/cold-front-heavy-rain-weekend",
        section="Weather",
        title="Cold front to bring heavy rain and gusty winds this weekend",
        dek="Forecasters warn of localised flooding and temperatures up to ten degrees below normal.",
        author="Weather desk",
        hours_ago=3,
        topics=(),
        links=("listing",),
        paragraphs=(
            "A strong cold front will sweep across the region from Friday night, bringing heavy rain, gusty "
            "winds and a sharp drop in temperatures that will last into early next week, the national weather "
            "service said on Thursday.",
            "Rainfall totals of 50 to 80 millimetres are expected in coastal areas, with locally higher amounts "
            "in the hills. Forecasters warned that small rivers could rise quickly and that low-lying roads "
            "may flood during Saturday's heaviest downpours.",
            "Wind gusts could reach 70 kilometres an hour along exposed coasts, and ferry operators said some "
            "crossings might be cancelled. Residents were advised to secure garden furniture and to avoid "
            "walking along sea walls.",
            "Behind the front, temperatures will fall as much as ten degrees below normal for the season. "
            "Frost is possible inland on Monday morning, and gardeners should protect tender plants.",
            "Drier weather is expected to return by the middle of next week, although forecasters said a second "
            "system could arrive the following weekend.",
        ),
    ),
    Story(
        key="en-gooding",
        site="a",
        lang="en",
        path="/en/culture/cuba-gooding-jr-broadway-revival",
        section="Culture",
        title="Cuba Gooding Jr. returns to the stage in a Broadway revival",
        dek="The Oscar winner will star in a new production of a classic courtroom drama.",
        author="Emma Clarke",
        hours_ago=26,
        topics=(),
        links=("rss",),
        traps=("excluded_term",),
        paragraphs=(
            "Cuba Gooding Jr., who won an Academy Award for his role in Jerry Maguire, will return to Broadway "
            "next spring in a revival of a classic courtroom drama, the producers announced on Monday.",
            "The actor will play a defence lawyer in the production, which begins previews in March at a "
            "theatre on West 45th Street. Tickets go on sale to the public next week.",
            "Cuba Gooding Jr. last appeared on Broadway more than a decade ago. In a statement he said he was "
            "'thrilled to be back in a rehearsal room' and praised the director, who has staged several "
            "award-winning revivals.",
            "The producers said the cast would include a number of young actors making their Broadway debuts. "
            "Rehearsals are scheduled to start in January.",
            "The revival is one of several dramas announced for the coming season as theatres try to attract "
            "audiences with familiar titles and well-known performers.",
            "Ticket prices have not been announced, but the producers promised a weekly lottery of cheaper "
            "seats for students and a series of talks with the cast after Wednesday matinees.",
        ),
    ),
    Story(
        key="en-migrants",
        site="a",
        lang="en",
        path="/en/americas/venezuelan-migrants-stranded-border",
        section="Americas",
        title="Venezuelan migrants stranded at the border as routes close",
        dek="Thousands wait in makeshift camps after neighbouring countries tightened entry rules.",
        author="Andrés Colmenares",
        hours_ago=50,
        topics=("venezuela",),
        links=("news-sitemap",),
        date_in_html="none",
        traps=("sitemap_date_only", "no_og_type"),
        og_type_article=False,
        paragraphs=(
            "Thousands of Venezuelan migrants are stranded in makeshift camps along the southern border after "
            "several countries tightened entry requirements, leaving families with small children sleeping "
            "under plastic sheets in the rain.",
            "Aid workers said the number of people waiting had doubled in two weeks. Many had spent their "
            "savings on bus tickets and smugglers' fees and now lack money either to continue or to return "
            "home.",
            "'We left because there was no work and no medicine,' said a nurse travelling with her two sons. "
            "'Now we cannot go forward and we cannot go back.'",
            "More than seven million people have left Venezuela over the past decade, according to the United "
            "Nations, the largest displacement in the recent history of the Americas. Most have settled in "
            "Colombia, Peru and Brazil.",
            "Regional governments say they cannot absorb more arrivals without international help. A donor "
            "conference planned for next month is expected to focus on shelter, health care and schooling "
            "for migrant children.",
        ),
    ),
    Story(
        key="en-court",
        site="a",
        lang="en",
        path="/en/americas/caracas-court-bars-opposition-candidate",
        section="Americas",
        title="Caracas court bars leading opposition candidate from regional race",
        dek="The ruling removes the front-runner from the contest for governor of a key state.",
        author="Andrés Colmenares",
        hours_ago=22,
        topics=("venezuela",),
        links=("listing",),
        comments=(("Carolina", "Predictable. The courts have not been independent for years."),),
        paragraphs=(
            "The Supreme Court in Caracas on Thursday barred the leading opposition candidate from running for "
            "governor in next month's regional elections, upholding an administrative ban imposed by the "
            "comptroller's office.",
            "The candidate, a former mayor who had led in every independent poll, was accused of irregularities "
            "in a municipal contract a decade ago. She has never been charged with a crime and denies any "
            "wrongdoing.",
            "Opposition parties said the ruling was part of a pattern of disqualifications designed to keep "
            "popular challengers off the ballot. The electoral council gave her coalition five days to name a "
            "replacement.",
            "Government officials said the courts were applying the law. Diosdado Cabello, a senior figure in "
            "the ruling party, told supporters at a rally that 'nobody is above the rules'.",
            "Electoral observers said the decision would probably depress turnout in a state where voters had "
            "returned to the polls in large numbers after years of abstention.",
        ),
    ),
    Story(
        key="en-currency-old",
        site="a",
        lang="en",
        path="/en/americas/cuba-new-currency-rules",
        section="Americas",
        title="Cuba announces new rules for foreign currency accounts",
        dek="The central bank said the measures would channel remittances through state banks.",
        author="Laura Méndez",
        hours_ago=60 * 24,
        topics=("cuba",),
        links=("old-sitemap",),
        traps=("old",),
        paragraphs=(
            "Cuba's central bank announced new rules on Monday for foreign currency accounts, requiring that "
            "remittances sent from abroad be deposited in state banks before they can be withdrawn in cash.",
            "The bank said the measure would strengthen the financial system and reduce the informal market, "
            "where the dollar trades at several times the official rate.",
            "Economists were sceptical, arguing that Cubans abroad would continue to send money through "
            "informal couriers if the official channels offered a poor exchange rate.",
            "The rules take effect next month. Banks said customers would be able to open the new accounts "
            "online or at any branch with an identity card.",
        ),
    ),
    Story(
        key="en-embargoed",
        site="a",
        lang="en",
        path="/private/cuba-sugar-harvest-embargoed",
        section="Americas",
        title="Embargoed: Cuba's sugar harvest set for worst result in a century",
        dek="Draft report for subscribers; not for publication before the embargo lifts.",
        author="Sofía Herrera",
        hours_ago=8,
        topics=("cuba",),
        links=("rss",),
        traps=("robots",),
        paragraphs=(
            "Cuba's sugar harvest is on course for its worst result in more than a century, according to a "
            "draft report by the industry ministry, with output expected to fall below 200,000 tonnes.",
            "Mills have been idle for weeks because of fuel shortages and broken machinery, and many cane "
            "fields have been abandoned or planted with food crops.",
            "Sugar was once the backbone of the Cuban economy. In 1970 the island produced more than eight "
            "million tonnes.",
        ),
    ),
    Story(
        key="en-doctors",
        site="a",
        lang="en",
        path="/en/americas/cuban-doctors-missions-scrutiny",
        section="Americas",
        title="Cuban doctors' overseas missions come under growing scrutiny",
        dek="Governments that host the medical brigades face questions about pay and working conditions.",
        author="Laura Méndez",
        hours_ago=33,
        topics=("cuba",),
        links=("rss",),
        traps=("syndicated",),
        paragraphs=(
            "Cuba's medical missions abroad, long a source of national pride and of hard currency, are facing "
            "growing scrutiny from governments and human rights groups over how the doctors are paid and "
            "treated.",
            "Tens of thousands of Cuban health workers serve in dozens of countries, from Mexico and Italy to "
            "Angola and Qatar. Host governments typically pay the Cuban state, which keeps most of the money "
            "and passes a fraction on to the doctors.",
            "Former participants have described long hours, confiscated passports and pressure to report on "
            "colleagues. A United Nations panel has said some conditions may amount to forced labour, an "
            "accusation the government in Havana rejects as a smear.",
            "Supporters of the programme point to its achievements: vaccination campaigns, eye surgery for "
            "poor patients and emergency teams sent after earthquakes and epidemics. For many remote "
            "communities, a Cuban doctor is the only doctor.",
            "Several host countries have recently renegotiated their agreements to pay doctors directly. "
            "Officials in Havana say the missions will continue and that the income is reinvested in the "
            "island's free health system.",
        ),
    ),
    Story(
        key="en-prisoners",
        site="a",
        lang="en",
        path="/en/americas/cuba-releases-political-prisoners",
        section="Americas",
        title="Cuba releases dozens of prisoners jailed after 2021 protests",
        dek="Families welcomed the releases but said hundreds remain behind bars.",
        author="Sofía Herrera",
        hours_ago=44,
        topics=("cuba",),
        links=("old-sitemap",),
        traps=("gzip_sitemap_only",),
        paragraphs=(
            "Cuban authorities have released several dozen people who were imprisoned after the mass protests "
            "of July 2021, relatives and rights groups said on Saturday.",
            "The releases followed talks mediated by the Catholic Church. The government described them as a "
            "humanitarian gesture and did not say how many prisoners would be freed in total.",
            "Among those released was a young musician from Havana who had been sentenced to nine years for "
            "sedition. His mother said he had lost weight and was suffering from skin infections.",
            "Rights groups welcomed the news but said that hundreds of protesters remain in prison, many of "
            "them serving long sentences handed down in summary trials.",
            "Some of those freed were told they must remain at home and report regularly to the police, and "
            "several said they had been pressed to leave the country.",
            "Lawyers for other prisoners said they had filed new requests for early release on health grounds "
            "and expected answers within weeks, though previous requests had gone unanswered for months.",
        ),
    ),
    Story(
        key="en-coach",
        site="a",
        lang="en",
        path="/en/sports/coach-resigns-after-cup-exit",
        section="Sports",
        title="United coach resigns after shock cup exit",
        dek="The club's board accepted the resignation hours after a defeat to a second-division side.",
        author="Mike Dalton",
        hours_ago=12,
        topics=(),
        links=("listing",),
        paragraphs=(
            "The coach of City United resigned on Wednesday, less than a day after his team was knocked out of "
            "the national cup by a second-division side in one of the biggest upsets of the season.",
            "United lost 2-1 away from home after conceding twice in the final ten minutes. Supporters chanted "
            "against the coach and the board as the players left the field.",
            "'I take full responsibility,' the coach said in a statement. 'The club deserves a new voice, and "
            "I wish the players every success for the rest of the season.'",
            "He leaves with the team in eighth place in the league, well below the target set at the start "
            "of the season. His assistant will take charge for Saturday's home game.",
            "The club said it would appoint a permanent replacement before the winter transfer window opens.",
            "Bookmakers made two former internationals early favourites for the job. The board is expected "
            "to interview candidates next week, and the captain urged supporters to stay behind the team.",
        ),
    ),
)
