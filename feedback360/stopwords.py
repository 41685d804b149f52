"""Words too common to say anything as a recurring word, per language. Pure module: data only.

Each list holds the language's function words, everyday verbs and fillers, and the words every
answer about someone's social media uses ("leader", "online", "post"), which would otherwise top
every list. `languages.detect_language` also reads them: a text's language is the one whose
common words it uses most.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        """
        a about above after again against all also am an and any are around as at be because
        been before being below between both but by can could did do does doing done down during
        each even ever every few for from further get gets getting give go goes going gone got
        had has have having he her here hers herself him himself his how however i if in into is
        it its itself just keep know like made make makes making many me might more most much
        must my myself never no nor not now of off often on once one only or other others our
        ours ourselves out over own people person quite rather really same say says see seems
        she should show shows so some something still such than that the their theirs them
        themselves then there these they thing things think this those though through to too
        try trying under until up upon us use used very want wants was way we well were what
        when where whether which while who whom why will with would yes yet you your yours
        yourself yourselves leader online seem post posts posting posted time times lot lots
        always sometimes usually bit kind sort don't doesn't isn't it's i'm i've they're what's
        that's can't won't i'll i'd aren't wasn't didn't couldn't wouldn't she's he's actually
        maybe mostly honestly probably perhaps suppose sure feel feels felt great good nice
        pretty whole definitely clearly simply
        """
    ),
    "es": _words(
        """
        a al algo alguien algún alguna algunas alguno algunos ante antes aquel aquella aquello
        aquí así aún bajo bastante bien cada casi cierto como cómo con contra cual cuál cuales
        cuando cuándo cuanto de del desde donde dónde dos el él ella ellas ello ellos en entre
        era eran eres es esa esas ese eso esos esta está están estaba estamos estar estás este
        esto estos estoy fue fueron ha había han has hace hacen hacer hacia hay he hizo la las
        le les lo los más me mi mí mis mucho mucha muchos muchas muy nada ni no nos nosotros
        nuestra nuestro nuestros nunca o os otra otras otro otros para parece pero poco por
        porque puede pueden pues que qué quien quién quienes quiere quieren se sea ser si sí
        sido siempre sin sobre sois solo sólo somos son soy su sus también tan tanto te tener
        tengo tiene tienen toda todas todo todos tu tú tus un una unas uno unos usted ustedes
        va van vez veces y ya yo creo cosa cosas gente persona personas forma manera mismo
        misma bueno buena buenos buenas buen gran genial realmente quizá quizás igual claro
        dice dicen decir ver veo normalmente suele hasta según tal tipo verdad siento
        quiero queremos quieres puedo podemos puedes hago hacemos haces sé sabe saben
        líder internet online publica publicar publicación publicaciones publicado post posts
        """
    ),
    "fr": _words(
        """
        à a ai as au aux avec avez avoir avons ce ceci cela celle celles celui ces cet cette
        ceux chez c ça d dans de des du elle elles en encore est et été êtes être eu fait faire
        fais font il ils j je l la le les leur leurs lui m ma mais me même mes moi mon n ne ni
        nos notre nous on ont ou où par pas peu peut peuvent plus pour qu que quel quelle
        quelles quels qui quoi s sa sans se ses si son sont sous suis sur t ta te tes toi ton
        tous tout toute toutes très tu un une vos votre vous y était étaient sommes es aussi
        alors donc car comme quand vers entre depuis avant après déjà toujours souvent parfois
        jamais beaucoup trop assez moins bien veut veulent doit dit dire chose choses gens
        personne personnes façon bon bonne bons super génial vraiment peut-être sûr plutôt ici
        là cela rien fois type genre va vont semble trouve crois pense
        veux voulons peux pouvons fais faisons sais sait savent
        leader dirigeant dirigeante ligne publie publier publication publications post posts
        """
    ),
    "de": _words(
        """
        aber alle allem allen aller alles als also am an ans auch auf aus bei beim bin bis bist
        da dabei damit dann das dass dein deine dem den denn der des dessen die dies diese
        diesem diesen dieser dieses doch dort du durch ein eine einem einen einer eines er es
        etwas euch euer für gegen gewesen hab habe haben hat hatte hätte ich ihm ihn ihnen ihr
        ihre ihrem ihren ihrer im in ins ist ja jede jedem jeden jeder jedes jetzt kann kein
        keine keinen können könnte man manche manchmal mehr mein meine mich mir mit muss müssen
        nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner sich
        sie sind so soll sollte sondern sonst über um und uns unser unsere unter viel viele
        vom von vor war waren was weil wenn wer werden wie wieder will wir wird wirklich wo
        wurde würde zu zum zur zwar immer oft selten nie gut gute guter gutes toll super
        eigentlich vielleicht schon ganz einfach mal halt eben gerade leute person personen
        mensch menschen ding dinge sache sachen weise macht machen gibt finde glaube denke
        möchte möchten möchtest willst wollen kannst mache machst weiß wissen
        führungskraft online beitrag beiträge beiträgen post posts postet gepostet
        """
    ),
}
